"""The stages of a case and the guarded transitions between them.

Each transition names the roles that may make it and what must be on file; anything not listed
here is refused with the reason, and nothing changes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from homeward.policy.roles import Role


class Stage(enum.StrEnum):
    NEW = "new"
    IN_CONTACT = "in_contact"
    IDENTITY_VERIFIED = "identity_verified"
    CLEARED = "cleared"
    PASSAGE_PLANNED = "passage_planned"
    HANDED_OVER = "handed_over"
    IN_CUSTODY = "in_custody"
    REPATRIATED = "repatriated"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    LOST_CONTACT = "lost_contact"
    DECLINED = "declined"
    DECEASED = "deceased"


PATH = (
    Stage.NEW,
    Stage.IN_CONTACT,
    Stage.IDENTITY_VERIFIED,
    Stage.CLEARED,
    Stage.PASSAGE_PLANNED,
    Stage.HANDED_OVER,
    Stage.IN_CUSTODY,
    Stage.REPATRIATED,
    Stage.CLOSED,
)
EXITS = (Stage.WITHDRAWN, Stage.LOST_CONTACT, Stage.DECLINED, Stage.DECEASED)
FINAL = frozenset({Stage.CLOSED, Stage.DECEASED})
"""Nothing leaves these: a closed or deceased case is history."""
REOPENABLE = frozenset({Stage.WITHDRAWN, Stage.LOST_CONTACT, Stage.DECLINED})

DESK = frozenset({Role.DESK_OFFICER, Role.SUPERVISOR})
SUPERVISOR = frozenset({Role.SUPERVISOR})


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    needs_note: bool = True
    needs_verifier: bool = False
    """`identity_verified` needs the officer who checked the identity."""
    only_through: str = ""
    """Set for a move the generic stage route refuses: it is made only by the step named here
    (its capability checks what the move needs and then calls `transition` with `via`)."""


THROUGH_SCREENING = "a reviewed screening decision of eligible or refer"
"""`identity_verified` -> `cleared`: screening/service.py, when a supervisor who did not write
the assessment records the decision eligible (for return) or refer (to the prosecutor)."""
THROUGH_PLAN = "an approved passage plan"
"""`cleared` <-> `passage_planned`: passage/flows.py moves the case when a plan is approved,
and back when the approval is voided or the plan cancelled (cases cannot see plans)."""
THROUGH_HANDOVER = "both confirmations of the handover"
"""`passage_planned` -> `handed_over`: passage/handovers.py, when the receiving unit and the
desk have both said the handover happened."""
THROUGH_CUSTODY = "the custody chain's first entry"
"""`handed_over` -> `in_custody`: passage/custody.py, once the chain has its first entry."""
THROUGH_ARRIVAL = "an arrival confirmed by the home nation's desk"
"""`in_custody` -> `repatriated`: passage/custody.py, on an arrival entered by the owning desk."""
THROUGH_APPROVAL = "an approved close request"
"""`repatriated` -> `closed`: approvals/service.py, when a supervisor of the desk who did not
ask approves a request to close the case."""
THROUGH_CHILD_PROTECTION = "both confirmations of the child-protection handover"
"""A child's case, from any path stage before `handed_over` -> `handed_over`:
households/child_protection.py, when the owning desk and the coordination cell have both said
the child was handed to the named child-protection organisation. A child never waits on an
adult's stage or a passage plan for it (UNSCR 2427, IDDRS 5.20)."""
THROUGH_CHILD_ARRIVAL = "the child's arrival home, recorded by the owning desk"
"""A child's case, `handed_over` -> `repatriated`: households/child_protection.py, when the
owning desk records that the child arrived home (a child has no custody chain)."""


def _path_rules() -> dict[tuple[Stage, Stage], Rule]:
    rules: dict[tuple[Stage, Stage], Rule] = {
        (Stage.NEW, Stage.IN_CONTACT): Rule(DESK, needs_note=False),
        (Stage.IN_CONTACT, Stage.IDENTITY_VERIFIED): Rule(DESK, needs_verifier=True),
        (Stage.IDENTITY_VERIFIED, Stage.CLEARED): Rule(SUPERVISOR, only_through=THROUGH_SCREENING),
        (Stage.CLEARED, Stage.PASSAGE_PLANNED): Rule(
            DESK, needs_note=False, only_through=THROUGH_PLAN
        ),
        (Stage.PASSAGE_PLANNED, Stage.CLEARED): Rule(
            DESK, needs_note=False, only_through=THROUGH_PLAN
        ),
        (Stage.PASSAGE_PLANNED, Stage.HANDED_OVER): Rule(DESK, only_through=THROUGH_HANDOVER),
        (Stage.HANDED_OVER, Stage.IN_CUSTODY): Rule(DESK, only_through=THROUGH_CUSTODY),
        (Stage.IN_CUSTODY, Stage.REPATRIATED): Rule(DESK, only_through=THROUGH_ARRIVAL),
        (Stage.REPATRIATED, Stage.CLOSED): Rule(SUPERVISOR, only_through=THROUGH_APPROVAL),
    }
    for stage in PATH[:-1]:
        for exit_stage in EXITS:
            rules[(stage, exit_stage)] = Rule(DESK)
    for stage in REOPENABLE:
        rules[(stage, Stage.IN_CONTACT)] = Rule(SUPERVISOR)
    return rules


TRANSITIONS = _path_rules()

CHILD_NEVER = frozenset({Stage.IN_CUSTODY})
"""Stages a child's case never enters (UNSCR 2427, IDDRS 5.20: children go to civilian
child-protection actors, never into an adult's custody). `transition` refuses them, whatever
step asks."""
CHILD_BEFORE_HANDOVER = PATH[: PATH.index(Stage.HANDED_OVER)]
"""The open stages a child's handover to a child-protection actor is recorded and confirmed
from: any path stage before `handed_over` (an exit is re-opened first, by a supervisor)."""


def _child_rules() -> dict[tuple[Stage, Stage], Rule]:
    rules = {
        move: rule
        for move, rule in TRANSITIONS.items()
        if move[0] not in CHILD_NEVER and move[1] not in CHILD_NEVER
    }
    for stage in CHILD_BEFORE_HANDOVER:
        rules[(stage, Stage.HANDED_OVER)] = Rule(DESK, only_through=THROUGH_CHILD_PROTECTION)
    rules[(Stage.HANDED_OVER, Stage.REPATRIATED)] = Rule(DESK, only_through=THROUGH_CHILD_ARRIVAL)
    return rules


CHILD_TRANSITIONS = _child_rules()
"""The stage set for children: no move into or out of `CHILD_NEVER`; `handed_over` from any
stage before it, only through the child-protection handover (never an adult's, which leads to
custody); `repatriated` from `handed_over` through the child's arrival; then closed like any
case."""


def rules_for(child: bool) -> dict[tuple[Stage, Stage], Rule]:
    """The stage set for a child's case or an adult's."""
    return CHILD_TRANSITIONS if child else TRANSITIONS


def allowed_next(stage: Stage, role: Role, *, child: bool = False) -> list[Stage]:
    """The stages this role may move a case to by hand from `stage`, in a stable order (a move
    made only through another step, such as an approved plan, is not one of them)."""
    order = [*PATH, *EXITS]
    table = rules_for(child)
    return [
        target
        for target in order
        if (rule := table.get((stage, target))) is not None
        and role in rule.roles
        and not rule.only_through
    ]


def through_next(stage: Stage, *, child: bool = False) -> list[tuple[Stage, str]]:
    """The stages a case reaches from `stage` only through another step, with that step."""
    return [
        (target, rule.only_through)
        for (source, target), rule in rules_for(child).items()
        if source == stage and rule.only_through
    ]


WORDS = {stage: stage.value.replace("_", " ") for stage in Stage}
"""Each stage as an officer reads it."""

STEP_LABELS = {
    Stage.IN_CONTACT: "Mark as in contact",
    Stage.IDENTITY_VERIFIED: "Record the identity as verified",
    Stage.CLEARED: "Clear the case",
    Stage.PASSAGE_PLANNED: "Record the passage as planned",
    Stage.HANDED_OVER: "Record the hand-over",
    Stage.IN_CUSTODY: "Record him as in custody",
    Stage.REPATRIATED: "Record him as repatriated",
    Stage.CLOSED: "Close the case",
    Stage.WITHDRAWN: "He withdrew",
    Stage.LOST_CONTACT: "Contact was lost",
    Stage.DECLINED: "The programme declined",
    Stage.DECEASED: "He died",
}
"""The button that makes each move, in words."""

HOW = {
    (Stage.IDENTITY_VERIFIED, Stage.CLEARED): "A supervisor of the desk who did not write the "
    "screening assessment reviews it on the case's Screening page; eligible or refer clears the "
    "case",
    (Stage.CLEARED, Stage.PASSAGE_PLANNED): "A supervisor who did not write the plan approves "
    "it, and the case moves",
    (Stage.PASSAGE_PLANNED, Stage.CLEARED): "Cancelling or changing the plan moves it back",
    (Stage.PASSAGE_PLANNED, Stage.HANDED_OVER): "A case is handed over only when the receiving "
    "unit and the desk have both confirmed the handover, each on the plan's handover page",
    (Stage.HANDED_OVER, Stage.IN_CUSTODY): "A case is in custody only once its custody chain has "
    "a first entry after the handover",
    (Stage.IN_CUSTODY, Stage.REPATRIATED): "A case is repatriated only when the home nation's "
    "desk has entered the arrival in its custody chain",
    (Stage.REPATRIATED, Stage.CLOSED): "An officer of the desk asks for it to be closed on the "
    "case page (Approvals), and a supervisor of the desk who did not ask approves the request",
}
"""For a move made only through another step: what makes it, for the refusal."""
CHILD_HOW = {
    **{
        (stage, Stage.HANDED_OVER): "A child's case is handed over only when the owning desk "
        "and the coordination cell have both confirmed the handover to the child-protection "
        "organisation, on the case's Child protection card"
        for stage in CHILD_BEFORE_HANDOVER
    },
    (Stage.HANDED_OVER, Stage.REPATRIATED): "A child's case is repatriated when the owning desk "
    "records the child's arrival home on the case's Child protection card",
}
"""The same for the moves a child's case makes its own way."""


def how(move: tuple[Stage, Stage], *, child: bool = False) -> str:
    """What makes a move made only through another step, for the refusal."""
    return (CHILD_HOW.get(move) if child else None) or HOW[move]


_DOING = {
    Stage.CLEARED: "clear a case",
    Stage.CLOSED: "close a case",
}


def next_on_path(stage: Stage) -> Stage | None:
    """The one step that moves the case forward: the next path stage, or back to
    `in_contact` from an exit that can be re-opened; None from a final stage."""
    if stage in REOPENABLE:
        return Stage.IN_CONTACT
    if stage in PATH and stage is not Stage.CLOSED:
        return PATH[PATH.index(stage) + 1]
    return None


def doing(current: Stage, target: Stage) -> str:
    """A move as a verb phrase: "clear a case", "re-open a case", "move a case from new to …"."""
    if current in REOPENABLE and target is Stage.IN_CONTACT:
        return "re-open a case"
    return _DOING.get(target, f"move a case from {WORDS[current]} to {WORDS[target]}")


def roles_in_words(roles: frozenset[Role]) -> str:
    """ "a supervisor", "a desk officer or a supervisor"."""
    return " or ".join(f"a {role.value.replace('_', ' ')}" for role in sorted(roles))
