"""A child's handover to a civilian child-protection actor, confirmed twice (UNSCR 2427,
IDDRS 5.20: children are handed quickly and unconditionally to child-protection actors, never
held back by an adult's process).

The owning desk records the handover of a child's case (cases/children.py decides whose) to a
named organisation, with when it is planned. It waits on no adult's stage and no passage plan:
it is recorded and confirmed from any open path stage before `handed_over` (new, in contact,
identity verified, cleared, passage planned). An exit (withdrawn, lost contact, declined) is
re-opened by a supervisor first, so that a handover is never recorded on a case nobody works,
and a handed-over case has had its handover.

The owning desk and the coordination cell (whose officer physically hands the child over) each
say, independently, whether it happened (when, received by whom at the organisation) or not.
Both yes moves the case to `handed_over` (the only way a child's case gets there); one yes and
one no is `disputed`, a flag until a side revises its word; both no settles it as not having
happened, and the desk records a new one. No officer confirms for both sides. The owning desk
then records the child's arrival home, which moves the case to `repatriated` (a child has no
custody chain); closing it is the ordinary approved close request.

Each word is a case event and an audit entry in the same transaction; the organisation and what
each side says beyond yes or no are sealed to the owning desk and the cell; opening them is an
audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from homeward.accounts import service as accounts_service
from homeward.accounts.models import DeskKey
from homeward.accounts.service import Keyring
from homeward.audit import service as audit
from homeward.cases import children, confirmed_twice, sealed
from homeward.cases import service as case_service
from homeward.cases.confirmed_twice import SideView
from homeward.cases.models import Case
from homeward.cases.states import (
    CHILD_BEFORE_HANDOVER,
    THROUGH_CHILD_ARRIVAL,
    THROUGH_CHILD_PROTECTION,
    WORDS,
    Stage,
)
from homeward.contact.service import COORDINATION_DESK
from homeward.core.db import utcnow
from homeward.core.errors import BadInput, Forbidden, NotFound
from homeward.crypto.keys import ServerSecrets
from homeward.households.child_protection_models import (
    CELL,
    CONFIRMED,
    DESK,
    DISPUTED,
    NOT_HAPPENED,
    PENDING,
    ChildProtectionConfirmation,
    ChildProtectionConfirmationWrap,
    ChildProtectionHandover,
    ChildProtectionWrap,
)
from homeward.policy import binding, roles
from homeward.policy import check as policy
from homeward.policy.labels import encode_release

SIDE_WORDS = {DESK: "the owning desk", CELL: "the coordination cell"}
STATE_WORDS = confirmed_twice.STATE_WORDS
live = confirmed_twice.live
"""Shared with the passage handover (cases/confirmed_twice.py), named here too."""
NAME_MAX, NOTE_MAX = 200, 2000
PLAN_AHEAD = timedelta(days=366)
"""How far from now a handover is planned or said to have happened (a handover may be recorded
after the fact, even of a child handed over before the case was opened; a date further off is
a typing mistake)."""


class ChildProtectionRefused(BadInput):
    """The step cannot be taken: not a child's case, the wrong stage or officer, settled."""


def _text(value: str, name: str, limit: int, *, required: bool) -> str:
    return confirmed_twice.clean(value, name, limit, required=required, empty="it is needed")


_moment = confirmed_twice.moment


@dataclass
class Organisation:
    """What the desk records: who receives the child, where and when."""

    organisation: str
    planned_at: datetime | None
    contact: str = ""
    place: str = ""

    def checked(self, *, now: datetime) -> tuple[dict[str, str], datetime]:
        content = {
            "organisation": _text(self.organisation, "organisation", NAME_MAX, required=True),
            "contact": _text(self.contact, "contact", NAME_MAX, required=False),
            "place": _text(self.place, "place", NAME_MAX, required=False),
        }
        planned = _moment(self.planned_at, "planned_at", "the handover is planned")
        if planned < now - PLAN_AHEAD:
            raise BadInput("planned_at", "the time is more than a year ago")
        if planned > now + PLAN_AHEAD:
            raise BadInput("planned_at", "the time is more than a year ahead")
        return content, planned


KIND = confirmed_twice.Kind(
    event="child:protection",
    side_words=SIDE_WORDS,
    refused=ChildProtectionRefused,
    stage_field="handover",
    what="the child was handed over",
    bad_time=BadInput,
    received_max=NAME_MAX,
    note_max=NOTE_MAX,
    empty="it is needed",
    confirmation=ChildProtectionConfirmation,
    wrap=ChildProtectionConfirmationWrap,
    handed_over="the owning desk and the coordination cell both confirmed the handover to "
    "the child-protection organisation",
    via=THROUGH_CHILD_PROTECTION,
)


class Word(confirmed_twice.Word):
    """One side's word: when and who received the child when it happened; a note why not."""

    def checked(self, *, now: datetime) -> dict[str, str | bool | None]:
        return confirmed_twice.word_content(
            KIND,
            self,
            now=now,
            earliest=now - PLAN_AHEAD,
            too_early="the time is more than a year ago",
        )


@dataclass(frozen=True)
class HandoverView:
    id: str
    case_id: str | None
    """Only for the owning desk: the cell learns nothing of the case."""
    state: str
    organisation: str
    contact: str
    place: str
    planned_at: datetime
    recorded_by: str
    sides: dict[str, SideView]
    my_side: str | None
    may_confirm: bool
    missing: list[str]
    """The sides whose word is still missing, in words."""
    next_step: str
    arrived_at: datetime | None
    may_record_arrival: bool


@dataclass(frozen=True)
class CasePath:
    """What the case page shows of a child's handover: the current one and earlier ones that
    did not happen."""

    child: children.Age | None
    current: HandoverView | None
    earlier: list[HandoverView] = field(default_factory=list)
    may_record: bool = False
    why_not: str = ""
    """Why no handover can be recorded now, in words (empty when one can)."""


def _keys(session: Session, case_id: str, owner_nation: str, cell_nation: str) -> list[DeskKey]:
    """The owning desk's key, the key of a desk a transfer waits on (it must open what is
    written meanwhile once it accepts), and the cell's."""
    owners = sealed.owner_desks(session, owner_nation=owner_nation, case_id=case_id)
    return sealed.desk_keys(session, [*owners, (cell_nation, "the coordination cell")])


def _side(principal: policy.Principal, found: ChildProtectionHandover) -> str | None:
    """The cell hands the child over and confirms as the receiving side; the owning desk as
    the desk."""
    if principal.nation == found.cell_nation and roles.may(
        principal.role, roles.CHILD_PROTECTION_RECEIVE
    ):
        return CELL
    if principal.nation == found.owner_nation and roles.may(
        principal.role, roles.CHILD_PROTECTION_WRITE
    ):
        return DESK
    return None


def _own_case(session: Session, principal: policy.Principal, case_id: str, permission: str) -> Case:
    policy.require_permission(principal, permission)
    case = case_service.get_case(
        session=session, principal=principal, case_id=case_id, permission=roles.CASE_READ
    )
    if case.owner_nation != principal.nation:
        raise NotFound("case")  # the owning desk's record; a released nation sees none of it
    return case


def _child(session: Session, secrets: ServerSecrets, case: Case) -> children.Age:
    age = children.age(session, secrets, case)
    if age is None:
        raise ChildProtectionRefused(
            "case",
            f"{case.reference} has no date of birth and no age estimate: record the age first",
        )
    if not age.child:
        raise ChildProtectionRefused(
            "case",
            f"{case.reference} is not a child's case ({age.because}): a handover to a "
            "child-protection actor is for a child",
        )
    return age


def _open_handover(session: Session, case: Case) -> ChildProtectionHandover | None:
    """The case's handover still waiting or disputed, if any."""
    return session.scalars(
        select(ChildProtectionHandover).where(
            ChildProtectionHandover.case_id == case.id,
            ChildProtectionHandover.state.in_((PENDING, DISPUTED)),
        )
    ).first()


_EXITS = {Stage.WITHDRAWN.value, Stage.LOST_CONTACT.value, Stage.DECLINED.value}


def _why_not_record(case: Case, waiting: ChildProtectionHandover | None) -> str:
    if waiting is not None:
        return (
            f"a handover is already recorded and {STATE_WORDS[waiting.state]}; it is settled "
            "before another is recorded"
        )
    if Stage(case.stage) not in CHILD_BEFORE_HANDOVER:
        return (
            f"the case is {WORDS[Stage(case.stage)]}: a handover is recorded from any open "
            "stage before handed over"
            + (" (a supervisor re-opens the case first)" if case.stage in _EXITS else "")
        )
    return ""


def record(
    *,
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    case_id: str,
    details: Organisation,
    now: datetime | None = None,
) -> ChildProtectionHandover:
    """The owning desk records the handover of a child's case to a named organisation.
    Refused with the reason, nothing stored, for a case that is not a child's, one already
    handed over or in an exit, or one whose handover is still waiting."""
    principal = keyring.principal
    now = now or utcnow()
    case = _own_case(session, principal, case_id, roles.CHILD_PROTECTION_WRITE)
    content, planned = details.checked(now=now)
    _child(session, secrets, case)
    binding.bind(session, principal)
    why = _why_not_record(case, _open_handover(session, case))
    if why:
        raise ChildProtectionRefused("case", why)
    cell = COORDINATION_DESK
    body, wraps = sealed.seal(content, _keys(session, case.id, case.owner_nation, cell))
    found = ChildProtectionHandover(
        case_id=case.id,
        cell_nation=cell,
        state=PENDING,
        planned_at=planned,
        body=body,
        recorded_by=principal.officer_id,
        created_at=now,
        updated_at=now,
        owner_nation=case.owner_nation,
        classification=case.classification,
        release=encode_release([*case.release_list, cell]),
    )
    found.wraps = [ChildProtectionWrap(desk_key_id=k, sealed_key=s) for k, s in wraps]
    session.add(found)
    session.flush()
    case_service.record_event(
        session=session,
        secrets=secrets,
        principal=principal,
        case=case,
        kind="child:protection:record",
        detail={"handover": found.id, "planned_at": planned.isoformat()},
    )
    session.flush()
    return found


def _get(
    session: Session, principal: policy.Principal, handover_id: str
) -> ChildProtectionHandover:
    """The handover, for its owning desk or its cell; NotFound for anyone else."""
    binding.bind(session, principal)
    found = session.get(ChildProtectionHandover, handover_id)
    policy.check(principal, roles.CHILD_PROTECTION_READ, found, "child-protection handover")
    assert found is not None  # noqa: S101 - policy.check raised otherwise
    if principal.nation not in (found.owner_nation, found.cell_nation):
        raise NotFound("child-protection handover")
    return found


def _case_of(session: Session, found: ChildProtectionHandover) -> Case:
    """The handover's case, loaded past the filter: the cell may not read the case, but its
    word may move it. Only the stage and labels are used; nothing of it is shown to the cell."""
    with binding.unfiltered(session, "a child-protection confirmation reaches its case"):
        case = session.get(Case, found.case_id)
        assert case is not None  # noqa: S101 - a foreign key
        _ = case.events  # loaded here, so that recording an event needs no filtered load
    return case


def _refuse(
    principal: policy.Principal, found: ChildProtectionHandover, case: Case, side: str
) -> None:
    confirmed_twice.refuse(
        KIND,
        principal=principal,
        side=side,
        state=found.state,
        confirmations=found.confirmations,
        case=case,
        waiting=Stage(case.stage) in CHILD_BEFORE_HANDOVER,
    )


def _still_a_child(session: Session, secrets: ServerSecrets, case: Case, side: str) -> None:
    """A case whose date of birth or age estimate changed since the handover was recorded may
    no longer be a child's: it is not handed over this way (the cell is not told why)."""
    age = children.age(session, secrets, case)
    if age is None or not age.child:
        why = f" ({age.because})" if age is not None and side == DESK else ""
        raise ChildProtectionRefused(
            "case",
            f"the case is no longer a child's{why}: it is not handed over to child protection; "
            "the desk says the handover did not happen",
        )


def confirm(
    *,
    session: Session,
    principal: policy.Principal,
    secrets: ServerSecrets,
    handover_id: str,
    word: Word,
    now: datetime | None = None,
) -> ChildProtectionHandover:
    """Take one side's word; when both said it happened, move the child's case to
    `handed_over`. Refused with the reason otherwise, and nothing is stored (the caller's
    transaction rolls back)."""
    policy.require_permission(principal, roles.CHILD_PROTECTION_READ)
    now = now or utcnow()
    found = _get(session, principal, handover_id)
    side = _side(principal, found)
    if side is None:
        raise Forbidden("only the owning desk and the coordination cell confirm")
    case = _case_of(session, found)
    binding.bind(session, principal)
    _refuse(principal, found, case, side)
    content = word.checked(now=now)
    if word.happened:
        _still_a_child(session, secrets, case, side)
    confirmed_twice.take_word(
        KIND,
        session=session,
        secrets=secrets,
        principal=principal,
        case=case,
        found=found,
        side=side,
        content=content,
        keys=_keys(session, case.id, found.owner_nation, found.cell_nation),
        now=now,
        ref={"handover": found.id},
    )
    session.flush()
    return found


def record_arrival(
    *,
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    case_id: str,
    arrived_at: datetime | None,
    note: str,
    now: datetime | None = None,
) -> ChildProtectionHandover:
    """The owning desk records that the child arrived home after a confirmed handover; the
    case moves to `repatriated`. The note (who received the child at home) goes into the stage
    change, sealed like every stage note."""
    principal = keyring.principal
    now = now or utcnow()
    case = _own_case(session, principal, case_id, roles.CHILD_PROTECTION_WRITE)
    binding.bind(session, principal)
    found = session.scalars(
        select(ChildProtectionHandover).where(
            ChildProtectionHandover.case_id == case.id,
            ChildProtectionHandover.state == CONFIRMED,
        )
    ).first()
    if found is None or case.stage != Stage.HANDED_OVER.value:
        raise ChildProtectionRefused(
            "case",
            "the arrival is recorded once both sides have confirmed the handover to "
            f"child protection and the case is handed over; it is {WORDS[Stage(case.stage)]}",
        )
    _still_a_child(session, secrets, case, DESK)
    at = _moment(arrived_at, "arrived_at", "the child arrived home")
    if at > now:
        raise BadInput("arrived_at", "the time is in the future")
    if at < found.updated_at - timedelta(days=1):
        raise BadInput("arrived_at", "the time is before the handover was confirmed")
    text = _text(note, "note", NOTE_MAX, required=True)
    found.arrived_at, found.arrival_by = at, principal.officer_id
    confirmed_twice.move_for_desk(
        session=session,
        principal=principal,
        secrets=secrets,
        case=case,
        target=Stage.REPATRIATED,
        note=text,
        via=THROUGH_CHILD_ARRIVAL,
    )
    session.flush()
    return found


def _view(
    session: Session,
    principal: policy.Principal,
    held: dict[str, bytes],
    found: ChildProtectionHandover,
    case: Case | None,
) -> HandoverView:
    content = sealed.open_with(held, found.body, found.wraps)
    words = live(found)
    sides = {
        side: confirmed_twice.side_view(
            session,
            confirmation,
            sealed.open_with(held, confirmation.body, confirmation.wraps),
            found.confirmations,
        )
        for side, confirmation in words.items()
    }
    recorder = accounts_service.get_officer(session=session, officer_id=found.recorded_by)
    my_side = _side(principal, found)
    state = found.state
    missing = [SIDE_WORDS[side] for side in (DESK, CELL) if side not in sides]
    handed = case is not None and case.stage == Stage.HANDED_OVER.value
    return HandoverView(
        id=found.id,
        case_id=found.case_id if principal.nation == found.owner_nation else None,
        state=state,
        organisation=str(content["organisation"]),
        contact=str(content.get("contact", "")),
        place=str(content.get("place", "")),
        planned_at=found.planned_at,
        recorded_by=recorder.username if recorder else "",
        sides=sides,
        my_side=my_side,
        may_confirm=confirmed_twice.may_confirm(my_side, state, sides)
        and not any(
            c.officer_id == principal.officer_id and c.side != my_side for c in found.confirmations
        ),
        missing=missing if state == PENDING else [],
        next_step=_next_step(state, missing, found, handed),
        arrived_at=found.arrived_at,
        may_record_arrival=my_side == DESK and state == CONFIRMED and handed,
    )


def _next_step(state: str, missing: list[str], found: ChildProtectionHandover, handed: bool) -> str:
    if state == PENDING:
        return (
            f"Waiting for {' and '.join(missing)} to confirm. When both say it happened, the "
            "case is handed over."
        )
    if state == DISPUTED:
        return (
            "The two sides disagree. Speak to the other side; the side that was wrong revises "
            "its word here."
        )
    if state == NOT_HAPPENED:
        return "Both sides say it did not happen. Record a new handover when one is arranged."
    if found.arrived_at is not None:
        return "The child arrived home. Ask for the case to be closed (Closing card)."
    if handed:
        return "Handed over. Record the child's arrival home when it happens."
    return "Handed over."


def _with_words(
    session: Session, query: Select[ChildProtectionHandover]
) -> list[ChildProtectionHandover]:
    """The handovers with their wraps and words loaded at once, to be opened together."""
    return list(
        session.scalars(
            query.options(
                selectinload(ChildProtectionHandover.wraps),
                selectinload(ChildProtectionHandover.confirmations).selectinload(
                    ChildProtectionConfirmation.wraps
                ),
            )
        )
    )


def of_case(
    *, session: Session, keyring: Keyring, secrets: ServerSecrets, case_id: str
) -> CasePath:
    """The case's handovers for the owning desk, opened (an audited read when there are any),
    and whether one can be recorded now."""
    principal = keyring.principal
    case = _own_case(session, principal, case_id, roles.CHILD_PROTECTION_READ)
    age = children.age(session, secrets, case)
    if age is None or not age.child:
        return CasePath(child=age, current=None)
    binding.bind(session, principal)
    rows = _with_words(
        session,
        select(ChildProtectionHandover)
        .where(ChildProtectionHandover.case_id == case.id)
        .order_by(ChildProtectionHandover.created_at, ChildProtectionHandover.id),
    )
    held = accounts_service.desk_private_keys(session=session, keyring=keyring)
    views = [_view(session, principal, held, row, case) for row in rows]
    if views:
        audit.record(
            session=session,
            actor=principal.audit_name,
            action="child:protection:read",
            resource_type="case",
            resource_id=case.id,
            nation=case.owner_nation,
        )
    current = next((view for view in reversed(views) if view.state != NOT_HAPPENED), None)
    waiting = next((row for row in rows if row.state in (PENDING, DISPUTED)), None)
    why = _why_not_record(case, waiting)
    return CasePath(
        child=age,
        current=current,
        earlier=[view for view in views if view.state == NOT_HAPPENED],
        may_record=not why and roles.may(principal.role, roles.CHILD_PROTECTION_WRITE),
        why_not=why,
    )


def waiting_for_cell(*, session: Session, keyring: Keyring) -> list[HandoverView]:
    """The handovers this cell has yet to confirm or that are disputed, oldest planned first,
    opened (an audited read per handover). Nothing of the case is shown."""
    principal = keyring.principal
    policy.require_permission(principal, roles.CHILD_PROTECTION_RECEIVE)
    binding.bind(session, principal)
    rows = _with_words(
        session,
        select(ChildProtectionHandover)
        .where(
            ChildProtectionHandover.cell_nation == principal.nation,
            ChildProtectionHandover.state.in_((PENDING, DISPUTED)),
        )
        .order_by(ChildProtectionHandover.planned_at, ChildProtectionHandover.id),
    )
    held = accounts_service.desk_private_keys(session=session, keyring=keyring)
    views = []
    for row in rows:
        views.append(_view(session, principal, held, row, None))
        audit.record(
            session=session,
            actor=principal.audit_name,
            action="child:protection:read",
            resource_type="case",
            resource_id=row.case_id,
            nation=row.owner_nation,
        )
    return views


def open_one(*, session: Session, keyring: Keyring, handover_id: str) -> HandoverView:
    """One handover opened, for its owning desk or its cell (an audited read)."""
    principal = keyring.principal
    policy.require_permission(principal, roles.CHILD_PROTECTION_READ)
    found = _get(session, principal, handover_id)
    case = _case_of(session, found) if principal.nation == found.owner_nation else None
    binding.bind(session, principal)
    held = accounts_service.desk_private_keys(session=session, keyring=keyring)
    view = _view(session, principal, held, found, case)
    audit.record(
        session=session,
        actor=principal.audit_name,
        action="child:protection:read",
        resource_type="case",
        resource_id=found.case_id,
        nation=found.owner_nation,
    )
    return view


@dataclass(frozen=True)
class Summary:
    """What the case page's card shows without opening anything sealed: the state, when it is
    planned, who has confirmed which side, whose word is missing and what happens next."""

    handover_id: str
    state: str
    state_words: str
    planned_at: datetime
    confirmed: list[tuple[str, str, bool]]
    """(side in words, officer, said it happened) for each standing word."""
    missing: list[str]
    next_step: str
    arrived_at: datetime | None
    earlier: int
    """Earlier handovers both sides said did not happen."""


def summary(
    *, session: Session, principal: policy.Principal, case: Case
) -> tuple[Summary | None, str]:
    """The newest handover of a child's case for its owning desk (the caller has already
    decided the case is a child's), and why a new one cannot be recorded now (empty when it
    can). No sealed content is opened, so nothing is audited here."""
    if case.owner_nation != principal.nation or not roles.may(
        principal.role, roles.CHILD_PROTECTION_READ
    ):
        return None, "only the owning desk records a handover to child protection"
    binding.bind(session, principal)
    rows = list(
        session.scalars(
            select(ChildProtectionHandover)
            .where(ChildProtectionHandover.case_id == case.id)
            .options(selectinload(ChildProtectionHandover.confirmations))
            .order_by(ChildProtectionHandover.created_at, ChildProtectionHandover.id)
        )
    )
    waiting = next((row for row in rows if row.state in (PENDING, DISPUTED)), None)
    why = _why_not_record(case, waiting)
    if not roles.may(principal.role, roles.CHILD_PROTECTION_WRITE):
        why = why or "only a desk officer or a supervisor of the desk records one"
    current = next((row for row in reversed(rows) if row.state != NOT_HAPPENED), None)
    if current is None:
        return None, why
    words = live(current)
    names: dict[str, str] = {}
    for word in words.values():
        officer = accounts_service.get_officer(session=session, officer_id=word.officer_id)
        names[word.officer_id] = officer.username if officer else "former officer"
    missing = [SIDE_WORDS[side] for side in (DESK, CELL) if side not in words]
    handed = case.stage == Stage.HANDED_OVER.value
    return (
        Summary(
            handover_id=current.id,
            state=current.state,
            state_words=STATE_WORDS[current.state],
            planned_at=current.planned_at,
            confirmed=[
                (SIDE_WORDS[side], names[words[side].officer_id], words[side].happened)
                for side in (DESK, CELL)
                if side in words
            ],
            missing=missing if current.state == PENDING else [],
            next_step=_next_step(current.state, missing, current, handed),
            arrived_at=current.arrived_at,
            earlier=len([row for row in rows if row.state == NOT_HAPPENED]),
        ),
        why,
    )
