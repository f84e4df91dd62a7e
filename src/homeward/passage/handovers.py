"""A handover confirmed twice: the receiving unit (an officer of the cell that runs the point)
and the owning desk each say, independently, whether the handover of an approved plan happened
(when, who received) or not. The case moves to `handed_over` only when both said it happened;
one yes and one no is `disputed`, a flag on the plan and the case until a side revises its word.
No officer confirms for both sides. Each word is a case event and an audit entry in the same
transaction; what it says beyond yes or no is sealed to the owning desk and the cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.accounts.service import Keyring
from homeward.audit import service as audit
from homeward.cases import service as case_service
from homeward.cases import transitions
from homeward.cases.models import Case
from homeward.cases.states import THROUGH_HANDOVER, WORDS, Stage
from homeward.core.db import utcnow
from homeward.core.errors import BadInput, Forbidden, NotFound
from homeward.crypto.keys import ServerSecrets
from homeward.passage import approvals, sealed
from homeward.passage.custody_models import (
    CELL,
    CONFIRMED,
    DESK,
    DISPUTED,
    NOT_HAPPENED,
    PENDING,
    Handover,
    HandoverConfirmation,
    HandoverConfirmationWrap,
)
from homeward.passage.models import CANCELLED, PassagePlan
from homeward.passage.schemas import text
from homeward.policy import binding, roles
from homeward.policy import check as policy
from homeward.policy.roles import Role

HANDOVER_VIA = THROUGH_HANDOVER
"""What moves a case to `handed_over` (the rule's `only_through` in cases/states.py)."""
SIDE_WORDS = {DESK: "the owning desk", CELL: "the receiving unit's cell"}
STATE_WORDS = {
    PENDING: "waiting for a confirmation",
    CONFIRMED: "handed over: both sides confirmed",
    DISPUTED: "disputed: one side says it happened, the other says not",
    NOT_HAPPENED: "did not happen: both sides say so",
}
UNIT_MAX, NOTE_MAX = 120, 2000


class HandoverRefused(BadInput):
    """The confirmation cannot be taken: too early, the wrong officer, or already settled."""


@dataclass
class HandoverWord:
    """One side's word. `happened_at` and `received_by` when it happened; a note why when not."""

    happened: bool
    happened_at: datetime | None = None
    received_by: str = ""
    note: str = ""

    def checked(self, *, plan: PassagePlan, now: datetime) -> dict[str, str | bool | None]:
        note = text(self.note, "note", NOTE_MAX, required=not self.happened)
        if not self.happened:
            return {"happened": False, "happened_at": None, "received_by": "", "note": note}
        if self.happened_at is None:
            raise HandoverRefused("happened_at", "say when the handover happened")
        if self.happened_at.tzinfo is None:
            raise HandoverRefused("happened_at", "give the time with its time zone")
        at = self.happened_at.astimezone(UTC)
        if at > now:
            raise HandoverRefused("happened_at", "the time is in the future")
        if at < plan.created_at:
            raise HandoverRefused("happened_at", "the time is before the plan was booked")
        received_by = text(self.received_by, "received_by", UNIT_MAX, required=True)
        return {"happened": True, "happened_at": at.isoformat(), "received_by": received_by,
                "note": note}  # fmt: skip


@dataclass(frozen=True)
class SideView:
    side: str
    officer: str
    happened: bool
    happened_at: datetime | None
    received_by: str
    note: str
    confirmed_at: datetime
    revisions: int
    """Earlier words of this side, superseded."""


@dataclass(frozen=True)
class HandoverView:
    plan_id: str
    case_id: str | None
    """Only for the owning desk: the cell learns nothing of the case."""
    point_name: str
    window_starts_at: datetime
    window_ends_at: datetime
    state: str
    sides: dict[str, SideView]
    my_side: str | None
    """The side this officer confirms for, if any."""
    may_confirm: bool


def _side(principal: policy.Principal, plan: PassagePlan) -> str | None:
    """The cell that runs the point confirms as the receiving unit; the owning desk as the desk."""
    if principal.nation == plan.point.cell_nation and roles.may(principal.role, roles.POINT_MANAGE):
        return CELL
    if principal.nation == plan.owner_nation and roles.may(principal.role, roles.PLAN_WRITE):
        return DESK
    return None


def _plan(session: Session, principal: policy.Principal, plan_id: str) -> PassagePlan:
    """The plan, for its owning desk or the cell that runs its point; NotFound for others."""
    binding.bind(session, principal)
    plan = session.get(PassagePlan, plan_id)
    policy.check(principal, roles.PLAN_READ, plan, "plan")
    assert plan is not None  # noqa: S101 - policy.check raised otherwise
    if principal.nation not in (plan.owner_nation, plan.point.cell_nation):
        raise NotFound("plan")
    return plan


def _case(session: Session, plan: PassagePlan) -> Case:
    """The plan's case, loaded past the filter: the cell may not read the case, but its word
    may move it. Only the stage and labels are used; nothing of it is shown to the cell."""
    with binding.unfiltered(session, "a handover's confirmation reaches the plan's case"):
        case = session.get(Case, plan.case_id)
        assert case is not None  # noqa: S101 - a plan's foreign key
        _ = case.events  # loaded here, so that recording an event needs no filtered load
    return case


def _handover(session: Session, plan: PassagePlan) -> Handover | None:
    return session.scalars(select(Handover).where(Handover.plan_id == plan.id)).first()


def live(handover: Handover | None) -> dict[str, HandoverConfirmation]:
    """Each side's standing word (a revised one is superseded)."""
    if handover is None:
        return {}
    return {c.side: c for c in handover.confirmations if c.superseded_at is None}


def _state(words: dict[str, HandoverConfirmation]) -> str:
    if len(words) < 2:
        return PENDING
    said = {word.happened for word in words.values()}
    if said == {True}:
        return CONFIRMED
    return NOT_HAPPENED if said == {False} else DISPUTED


def _refuse_if_unready(
    plan: PassagePlan, case: Case, side: str, handover: Handover | None, now: datetime
) -> None:
    if plan.status == CANCELLED or not approvals.is_approved(plan):
        raise HandoverRefused("plan", "only the handover of an approved plan is confirmed")
    if plan.window_starts_at > now:
        raise HandoverRefused("window", "the plan's window has not come yet")
    state = handover.state if handover else PENDING
    if state in (CONFIRMED, NOT_HAPPENED):
        raise HandoverRefused("handover", f"already settled: {STATE_WORDS[state]}")
    if case.stage != Stage.PASSAGE_PLANNED.value:
        detail = f"; it is {WORDS[Stage(case.stage)]}" if side == DESK else ""
        raise HandoverRefused("plan", f"the case is not waiting for this handover{detail}")
    if side in live(handover) and state != DISPUTED:
        raise HandoverRefused(
            "handover",
            f"{SIDE_WORDS[side]} has confirmed already; a side revises its word only when "
            "the two sides disagree",
        )


def _refuse_both_sides(principal: policy.Principal, side: str, handover: Handover | None) -> None:
    if handover is None:
        return
    if any(c.officer_id == principal.officer_id and c.side != side for c in handover.confirmations):
        other = CELL if side == DESK else DESK
        raise HandoverRefused(
            "officer",
            f"{principal.username} confirmed for {SIDE_WORDS[other]} and cannot also confirm "
            f"for {SIDE_WORDS[side]}; another officer must",
        )


def confirm(
    *,
    session: Session,
    principal: policy.Principal,
    secrets: ServerSecrets,
    plan_id: str,
    word: HandoverWord,
    now: datetime | None = None,
) -> Handover:
    """Take one side's word on the handover of an approved plan whose window has come; when
    both said it happened, move the case to `handed_over`. Refused with the reason otherwise,
    and nothing is stored (the caller's transaction rolls back)."""
    policy.require_permission(principal, roles.PLAN_READ)
    now = now or utcnow()
    plan = _plan(session, principal, plan_id)
    side = _side(principal, plan)
    if side is None:
        raise Forbidden("only the owning desk and the cell that runs the point confirm")
    case = _case(session, plan)
    binding.bind(session, principal)
    handover = _handover(session, plan)
    _refuse_if_unready(plan, case, side, handover, now)
    _refuse_both_sides(principal, side, handover)
    content = word.checked(plan=plan, now=now)
    owners = sealed.owner_desks(session, owner_nation=plan.owner_nation, case_id=plan.case_id)
    keys = sealed.desk_keys(session, [*owners, (plan.point.cell_nation, "the cell")])
    body, wraps = sealed.seal(content, keys)
    if handover is None:
        handover = Handover(
            plan_id=plan.id,
            case_id=plan.case_id,
            point_id=plan.point_id,
            state=PENDING,
            owner_nation=plan.owner_nation,
            classification=plan.classification,
            release=plan.release,
            created_at=now,
        )
        session.add(handover)
    revising = live(handover).get(side)
    if revising is not None:
        revising.superseded_at = now
    handover.confirmations.append(
        HandoverConfirmation(
            side=side,
            officer_id=principal.officer_id,
            happened=word.happened,
            body=body,
            confirmed_at=now,
            wraps=[HandoverConfirmationWrap(desk_key_id=k, sealed_key=s) for k, s in wraps],
        )
    )
    handover.state, handover.updated_at = _state(live(handover)), now
    session.flush()
    case_service.record_event(
        session=session,
        secrets=secrets,
        principal=principal,
        case=case,
        kind="passage:handover:revise" if revising else "passage:handover:confirm",
        detail={"plan": plan.id, "side": side, "happened": word.happened, "state": handover.state},
    )
    if handover.state == DISPUTED:
        case_service.record_event(
            session=session,
            secrets=secrets,
            principal=principal,
            case=case,
            kind="passage:handover:dispute",
            detail={"plan": plan.id},
        )
    if handover.state == CONFIRMED:
        _hand_over(session, principal, secrets, case)
    session.flush()
    return handover


def _hand_over(
    session: Session, principal: policy.Principal, secrets: ServerSecrets, case: Case
) -> None:
    """Move the case through the case service. The second word may be the cell's, whose officer
    cannot move a case: the move is then made by the flow on the desk's behalf, in that
    officer's name (the event says who confirmed last). The binding is restored afterwards."""
    acting = principal
    if principal.nation != case.owner_nation:
        acting = policy.Principal(
            officer_id=principal.officer_id,
            username=principal.username,
            role=Role.DESK_OFFICER,
            nation=case.owner_nation,
            clearance=case.classification,
        )
    try:
        transitions.transition(
            session=session,
            keyring=Keyring(principal=acting, private_key=b""),
            secrets=secrets,
            case_id=case.id,
            to_stage=Stage.HANDED_OVER.value,
            note="the receiving unit and the desk both confirmed the handover",
            via=HANDOVER_VIA,
        )
    finally:
        binding.bind(session, principal)


def open_handover(*, session: Session, keyring: Keyring, plan_id: str) -> HandoverView:
    """The handover of a plan with each side's word opened, for the owning desk and the cell
    that runs the point; opening any word is an audit entry."""
    principal = keyring.principal
    policy.require_permission(principal, roles.PLAN_READ)
    plan = _plan(session, principal, plan_id)
    handover = _handover(session, plan)
    words = live(handover)
    history = handover.confirmations if handover else []
    sides: dict[str, SideView] = {}
    for side, confirmation in words.items():
        content = sealed.open_body(session, keyring, confirmation.body, confirmation.wraps)
        officer = accounts_service.get_officer(session=session, officer_id=confirmation.officer_id)
        at = content.get("happened_at")
        sides[side] = SideView(
            side=side,
            officer=officer.username if officer else "",
            happened=bool(content["happened"]),
            happened_at=datetime.fromisoformat(at) if at else None,
            received_by=str(content["received_by"]),
            note=str(content["note"]),
            confirmed_at=confirmation.confirmed_at,
            revisions=len([c for c in history if c.side == side and c.superseded_at]),
        )
    if sides:
        audit.record(
            session=session,
            actor=principal.audit_name,
            action="passage:handover:read",
            resource_type="case",
            resource_id=plan.case_id,
            nation=plan.owner_nation,
        )
    state = handover.state if handover else PENDING
    my_side = _side(principal, plan)
    return HandoverView(
        plan_id=plan.id,
        case_id=plan.case_id if principal.nation == plan.owner_nation else None,
        point_name=plan.point.name,
        window_starts_at=plan.window_starts_at,
        window_ends_at=plan.window_ends_at,
        state=state,
        sides=sides,
        my_side=my_side,
        may_confirm=my_side is not None
        and ((state == PENDING and my_side not in sides) or state == DISPUTED),
    )


def state_of(*, session: Session, principal: policy.Principal, plan_id: str) -> str:
    """The handover's state for a plan this officer may see (nothing sealed is read)."""
    plan = _plan(session, principal, plan_id)
    handover = _handover(session, plan)
    return handover.state if handover else PENDING


def confirmed_handover(*, session: Session, principal: policy.Principal, case: Case) -> Handover:
    """The case's handover both sides confirmed: where its custody chain begins."""
    binding.bind(session, principal)
    found = session.scalars(
        select(Handover).where(Handover.case_id == case.id, Handover.state == CONFIRMED)
    ).first()
    if found is None:
        raise HandoverRefused(
            "handover", "the chain starts at a handover both sides confirmed; there is none yet"
        )
    return found


def disputed_cases(*, session: Session, principal: policy.Principal) -> list[str]:
    """Cases this officer may see with a disputed handover: a flag, never silent."""
    policy.require_permission(principal, roles.PLAN_READ)
    binding.bind(session, principal)
    return list(
        session.scalars(select(Handover.case_id).where(Handover.state == DISPUTED).distinct())
    )
