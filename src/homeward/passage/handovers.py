"""A handover confirmed twice: the receiving unit (an officer of the cell that runs the point)
and the owning desk each say, independently, whether the handover of an approved plan happened
(when, who received) or not. The case moves to `handed_over` only when both said it happened;
one yes and one no is `disputed`, a flag on the plan and the case until a side revises its word.
No officer confirms for both sides. Each word is a case event and an audit entry in the same
transaction; what it says beyond yes or no is sealed to the owning desk and the cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from homeward.accounts.service import Keyring
from homeward.audit import service as audit
from homeward.cases import confirmed_twice, sealed
from homeward.cases.confirmed_twice import SideView
from homeward.cases.models import Case
from homeward.cases.states import THROUGH_HANDOVER, Stage
from homeward.core.db import utcnow
from homeward.core.errors import BadInput, Forbidden, NotFound
from homeward.crypto.keys import ServerSecrets
from homeward.passage import approvals
from homeward.passage.custody_models import (
    CELL,
    CONFIRMED,
    DESK,
    DISPUTED,
    PENDING,
    Handover,
    HandoverConfirmation,
    HandoverConfirmationWrap,
)
from homeward.passage.models import CANCELLED, PassagePlan
from homeward.policy import binding, roles
from homeward.policy import check as policy

HANDOVER_VIA = THROUGH_HANDOVER
"""What moves a case to `handed_over` (the rule's `only_through` in cases/states.py)."""
SIDE_WORDS = {DESK: "the owning desk", CELL: "the receiving unit's cell"}
STATE_WORDS = confirmed_twice.STATE_WORDS
live = confirmed_twice.live
"""Shared with the child-protection handover (cases/confirmed_twice.py), named here too."""
UNIT_MAX, NOTE_MAX = 120, 2000


class HandoverRefused(BadInput):
    """The confirmation cannot be taken: too early, the wrong officer, or already settled."""


KIND = confirmed_twice.Kind(
    event="passage:handover",
    side_words=SIDE_WORDS,
    refused=HandoverRefused,
    stage_field="plan",
    what="the handover happened",
    bad_time=HandoverRefused,
    received_max=UNIT_MAX,
    note_max=NOTE_MAX,
    empty="it is empty",
    confirmation=HandoverConfirmation,
    wrap=HandoverConfirmationWrap,
    handed_over="the receiving unit and the desk both confirmed the handover",
    via=HANDOVER_VIA,
)


class HandoverWord(confirmed_twice.Word):
    """One side's word. `happened_at` and `received_by` when it happened; a note why when not."""

    def checked(self, *, plan: PassagePlan, now: datetime) -> dict[str, str | bool | None]:
        return confirmed_twice.word_content(
            KIND,
            self,
            now=now,
            earliest=plan.created_at,
            too_early="the time is before the plan was booked",
        )


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


def _refuse_if_unready(
    principal: policy.Principal,
    *,
    plan: PassagePlan,
    case: Case,
    side: str,
    handover: Handover | None,
    now: datetime,
) -> None:
    if plan.status == CANCELLED or not approvals.is_approved(plan):
        raise HandoverRefused("plan", "only the handover of an approved plan is confirmed")
    if plan.window_starts_at > now:
        raise HandoverRefused("window", "the plan's window has not come yet")
    confirmed_twice.refuse(
        KIND,
        principal=principal,
        side=side,
        state=handover.state if handover else PENDING,
        confirmations=handover.confirmations if handover else [],
        case=case,
        waiting=case.stage == Stage.PASSAGE_PLANNED.value,
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
    _refuse_if_unready(principal, plan=plan, case=case, side=side, handover=handover, now=now)
    content = word.checked(plan=plan, now=now)
    owners = sealed.owner_desks(session, owner_nation=plan.owner_nation, case_id=plan.case_id)
    keys = sealed.desk_keys(session, [*owners, (plan.point.cell_nation, "the cell")])
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
    confirmed_twice.take_word(
        KIND,
        session=session,
        secrets=secrets,
        principal=principal,
        case=case,
        found=handover,
        side=side,
        content=content,
        keys=keys,
        now=now,
        ref={"plan": plan.id},
    )
    session.flush()
    return handover


def open_handover(*, session: Session, keyring: Keyring, plan_id: str) -> HandoverView:
    """The handover of a plan with each side's word opened, for the owning desk and the cell
    that runs the point; opening any word is an audit entry."""
    principal = keyring.principal
    policy.require_permission(principal, roles.PLAN_READ)
    plan = _plan(session, principal, plan_id)
    handover = _handover(session, plan)
    words = live(handover)
    history = handover.confirmations if handover else []
    sides = {
        side: confirmed_twice.side_view(
            session,
            confirmation,
            sealed.open_body(session, keyring, confirmation.body, confirmation.wraps),
            history,
        )
        for side, confirmation in words.items()
    }
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
        may_confirm=confirmed_twice.may_confirm(my_side, state, sides),
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
