"""Plans and the case's stage, and the person told through the channel: what crosses from
passage into cases and contact (cases cannot see plans, so the wiring lives here).

The case follows its plans: approving a plan moves a cleared case to `passage_planned` at
once, and a change that voids the approval, or cancelling the plan, moves it back to
`cleared` (each move a case event, with why). The approval is the check the move needs, so a
separate "move the case" click would check nothing more and leave, until clicked, an approved
plan on a case that says it is merely cleared. Like services, flows add and flush; the caller
commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from homeward.accounts.service import Keyring
from homeward.cases import service as case_service
from homeward.cases import transitions
from homeward.cases.models import Case, CaseConversation
from homeward.cases.states import THROUGH_PLAN, Stage
from homeward.contact import inbox as contact_inbox
from homeward.contact.models import Conversation
from homeward.core.db import utcnow
from homeward.core.errors import BadInput, NotFound
from homeward.crypto.keys import ServerSecrets
from homeward.passage import access, approvals, handovers, plans, told
from homeward.passage import hours as clock
from homeward.passage.custody_models import DISPUTED, Handover, HandoverConfirmation
from homeward.passage.models import BOOKED, CANCELLED, PassagePlan, PassagePlanApproval
from homeward.passage.schemas import PlanDetails
from homeward.policy import binding, roles
from homeward.policy import check as policy

WAITING = frozenset({Stage.CLEARED.value, Stage.PASSAGE_PLANNED.value})
"""A case still waiting for its handover: a plan of it whose window has passed was missed."""


def sync_stage(
    *, session: Session, keyring: Keyring, secrets: ServerSecrets, case_id: str, because: str
) -> str:
    """Move the case to `passage_planned` if it has an approved plan to come, back to
    `cleared` if it has none; the stage it is in afterwards."""
    principal = keyring.principal
    case = access.own_case(session, principal, case_id)
    approved = approvals.approved_plan_for(session=session, principal=principal, case=case)
    target = None
    if case.stage == Stage.CLEARED and approved is not None:
        target = Stage.PASSAGE_PLANNED
    elif case.stage == Stage.PASSAGE_PLANNED and approved is None:
        target = Stage.CLEARED
    if target is not None:
        transitions.transition(
            session=session,
            keyring=keyring,
            secrets=secrets,
            case_id=case.id,
            to_stage=target.value,
            note=because,
            via=THROUGH_PLAN,
        )
    return case.stage


def approve(
    *, session: Session, keyring: Keyring, secrets: ServerSecrets, plan_id: str
) -> PassagePlanApproval:
    """The supervisor's approval, and the case moved to `passage_planned` with it."""
    approval = approvals.approve(
        session=session, principal=keyring.principal, secrets=secrets, plan_id=plan_id
    )
    plan = access.own_plan(session, keyring.principal, plan_id)
    sync_stage(
        session=session,
        keyring=keyring,
        secrets=secrets,
        case_id=plan.case_id,
        because=f"plan approved: {plan.point.name}",
    )
    return approval


def change(
    *,
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    plan_id: str,
    details: PlanDetails,
    point_id: str | None = None,
    starts_at: datetime | None = None,
) -> PassagePlan:
    """A new version (re-booking a missed window is one); a planned case goes back to
    `cleared` until the new version is approved."""
    plan = plans.change(
        session=session,
        principal=keyring.principal,
        secrets=secrets,
        plan_id=plan_id,
        details=details,
        point_id=point_id,
        starts_at=starts_at,
    )
    sync_stage(
        session=session,
        keyring=keyring,
        secrets=secrets,
        case_id=plan.case_id,
        because="plan changed: its approval is void until a supervisor approves it again",
    )
    return plan


def cancel(
    *, session: Session, keyring: Keyring, secrets: ServerSecrets, plan_id: str, reason: str
) -> PassagePlan:
    """The plan called off with the reason; the case back to `cleared` with the same reason."""
    plan = plans.cancel(
        session=session,
        principal=keyring.principal,
        secrets=secrets,
        plan_id=plan_id,
        reason=reason,
    )
    sync_stage(
        session=session,
        keyring=keyring,
        secrets=secrets,
        case_id=plan.case_id,
        because=f"plan cancelled: {reason.strip()}",
    )
    return plan


@dataclass(frozen=True)
class PlanState:
    """A plan as the case page and the plan page show it, without opening its details."""

    plan: PassagePlan
    approved: bool
    missed: bool
    voided: PassagePlanApproval | None
    """The last approval, voided by a change, when the plan is not approved now."""
    handover: str = ""
    """The handover's state (`handovers.STATE_WORDS`), or "" while no side has said a word."""


SAID_HAPPENED = exists().where(
    Handover.plan_id == PassagePlan.id,
    HandoverConfirmation.handover_id == Handover.id,
    HandoverConfirmation.happened.is_(True),
    HandoverConfirmation.superseded_at.is_(None),
)
"""A side's standing word says the handover of this plan happened: its window is not missed
(the other side's word is awaited, or the two disagree, which is flagged as disputed)."""


def state_of(
    plan: PassagePlan,
    case_stage: str,
    now: datetime | None = None,
    handover: Handover | None = None,
) -> PlanState:
    now = now or utcnow()
    approved = approvals.is_approved(plan)
    last = plan.approvals[-1] if plan.approvals else None
    said_happened = any(word.happened for word in handovers.live(handover).values())
    return PlanState(
        plan=plan,
        approved=approved,
        missed=plan.status != CANCELLED
        and plan.window_ends_at <= now
        and case_stage in WAITING
        and not said_happened,
        voided=last if not approved and last is not None and last.voided_at else None,
        handover=handover.state if handover is not None and handover.confirmations else "",
    )


def handover_of(session: Session, plan: PassagePlan) -> Handover | None:
    """The plan's handover, if a side has begun it (read through the binding)."""
    return session.scalars(select(Handover).where(Handover.plan_id == plan.id)).first()


def case_plans(
    *, session: Session, principal: policy.Principal, case_id: str, owner_nation: str, stage: str
) -> list[PlanState]:
    """The case's plans for its own desk (the case page's block); none for anyone else."""
    if owner_nation != principal.nation or not roles.may(principal.role, roles.PLAN_READ):
        return []
    found = plans.plans_of(session=session, principal=principal, case_id=case_id)
    return [state_of(plan, stage, handover=handover_of(session, plan)) for plan in found]


@dataclass(frozen=True)
class PlanRow:
    """A plan in a list: which case, where and when."""

    plan_id: str
    case_id: str
    reference: str
    point_name: str
    window_starts_at: datetime
    stage: str = ""
    written_by: tuple[str, ...] = ()
    """Every officer who wrote a version (filled for plans waiting for approval)."""
    waiting_since: datetime | None = None
    """When the version waiting for approval was written (idem)."""


def missed(
    *, session: Session, principal: policy.Principal, now: datetime | None = None
) -> list[PlanRow]:
    """This desk's plans whose window has passed while the case still waits for its handover
    (cleared or passage planned): to re-book or cancel with a reason."""
    if not roles.may(principal.role, roles.PLAN_WRITE):
        return []
    binding.bind(session, principal)
    rows = session.execute(
        select(PassagePlan, Case.reference)
        .join(Case, Case.id == PassagePlan.case_id)
        .where(
            PassagePlan.owner_nation == principal.nation,
            PassagePlan.status != CANCELLED,
            PassagePlan.window_ends_at <= (now or utcnow()),
            Case.stage.in_(WAITING),
            ~SAID_HAPPENED,
        )
        .order_by(PassagePlan.window_starts_at)
    )
    return [
        PlanRow(plan.id, plan.case_id, reference, plan.point.name, plan.window_starts_at)
        for plan, reference in rows
    ]


def disputed(*, session: Session, principal: policy.Principal) -> list[PlanRow]:
    """This desk's plans whose handover the two sides disagree on: flagged until a side
    revises its word."""
    if not roles.may(principal.role, roles.PLAN_WRITE):
        return []
    binding.bind(session, principal)
    rows = session.execute(
        select(PassagePlan, Case.reference)
        .join(Case, Case.id == PassagePlan.case_id)
        .join(Handover, Handover.plan_id == PassagePlan.id)
        .where(PassagePlan.owner_nation == principal.nation, Handover.state == DISPUTED)
        .order_by(PassagePlan.window_starts_at)
    )
    return [
        PlanRow(plan.id, plan.case_id, reference, plan.point.name, plan.window_starts_at)
        for plan, reference in rows
    ]


def to_approve(
    *, session: Session, principal: policy.Principal, now: datetime | None = None
) -> list[PlanRow]:
    """Plans of this supervisor's desk waiting for an approval they may give: not written by
    them, not cancelled, the case still cleared or planned, the window still to come."""
    if not roles.may(principal.role, roles.PLAN_APPROVE):
        return []
    binding.bind(session, principal)
    rows = session.execute(
        select(PassagePlan, Case.reference, Case.stage)
        .join(Case, Case.id == PassagePlan.case_id)
        .where(
            PassagePlan.owner_nation == principal.nation,
            PassagePlan.status == BOOKED,
            PassagePlan.window_starts_at > (now or utcnow()),
            ~PassagePlan.authors.contains(f",{principal.officer_id},"),
            Case.stage.in_(access.PLANNABLE),
        )
        .order_by(PassagePlan.window_starts_at)
        .limit(100)
    )
    return [
        PlanRow(
            plan.id,
            plan.case_id,
            reference,
            plan.point.name,
            plan.window_starts_at,
            stage=stage,
            written_by=tuple(approvals.authors(plan)),
            waiting_since=plan.updated_at,
        )
        for plan, reference, stage in rows
    ]


@dataclass(frozen=True)
class Recipient:
    conversation_id: str
    name: str
    language: str


@dataclass(frozen=True)
class Draft:
    recipients: list[Recipient]
    texts: dict[str, str]
    """The filled template for each recipient's language."""


def _recipients(session: Session, principal: policy.Principal, case_id: str) -> list[Recipient]:
    found = []
    linked = session.scalars(
        select(CaseConversation.conversation_id).where(CaseConversation.case_id == case_id)
    )
    for conversation_id in linked:
        contact_inbox.require_visible(
            session=session, principal=principal, conversation_id=conversation_id
        )
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None  # noqa: S101 - require_visible raised otherwise
        found.append(
            Recipient(
                conversation.id,
                contact_inbox.name_of(conversation),
                told.language_of(conversation.language),
            )
        )
    return found


def draft(*, session: Session, keyring: Keyring, plan_id: str) -> Draft:
    """The template filled from the plan (an audited read of its details), for each
    conversation of the case: the officer edits it before anything is sent."""
    principal = keyring.principal
    policy.require_permission(principal, roles.PLAN_WRITE)
    plan = access.own_plan(session, principal, plan_id)
    view = plans.open_plan(session=session, keyring=keyring, plan_id=plan.id)
    recipients = _recipients(session, principal, plan.case_id)
    tz = clock.zone(plan.point.time_zone)
    day, start = clock.local(plan.window_starts_at, tz)
    _day, end = clock.local(plan.window_ends_at, tz)
    if plan.window_ends_at - plan.window_starts_at >= timedelta(days=1):
        end = start  # a whole-day window: the end is the same time the next day
    texts = {
        recipient.language: told.draft(
            recipient.language,
            point=plan.point.name,
            area=plan.point.area,
            day=day,
            start=clock.clock(start),
            end=clock.clock(end),
            bring=view.details.bring,
            fallback=view.details.fallback,
        )
        for recipient in recipients
    }
    return Draft(recipients, texts)


def tell(
    *,
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    plan_id: str,
    conversation_id: str,
    text: str,
) -> None:
    """Send the officer's text as a reply in a conversation of the plan's case (the inbox's
    own reply service), and record on the case that the person was told of this plan."""
    principal = keyring.principal
    policy.require_permission(principal, roles.PLAN_WRITE)
    plan = access.own_plan(session, principal, plan_id)
    if plan.status == CANCELLED:
        raise BadInput("plan", "the plan is cancelled: tell the person nothing of it")
    case = access.own_case(session, principal, plan.case_id)
    linked = session.scalar(
        select(CaseConversation.conversation_id).where(
            CaseConversation.case_id == case.id,
            CaseConversation.conversation_id == conversation_id,
        )
    )
    if linked is None:
        raise NotFound("conversation")
    message = contact_inbox.reply(
        session=session, keyring=keyring, conversation_id=conversation_id, text=text
    )
    case_service.record_event(
        session=session,
        secrets=secrets,
        principal=principal,
        case=case,
        kind="passage:plan:told",
        detail={"plan": plan.id, "conversation": conversation_id, "message": message.id},
    )
    session.flush()


def desk_plans(
    *, session: Session, principal: policy.Principal, now: datetime | None = None
) -> list[PlanRow]:
    """This desk's plans whose window is still to come, soonest first (the way home page)."""
    if not roles.may(principal.role, roles.PLAN_WRITE):
        return []
    binding.bind(session, principal)
    rows = session.execute(
        select(PassagePlan, Case.reference)
        .join(Case, Case.id == PassagePlan.case_id)
        .where(
            PassagePlan.owner_nation == principal.nation,
            PassagePlan.status != CANCELLED,
            PassagePlan.window_ends_at > (now or utcnow()),
        )
        .order_by(PassagePlan.window_starts_at)
        .limit(100)
    )
    return [
        PlanRow(plan.id, plan.case_id, reference, plan.point.name, plan.window_starts_at)
        for plan, reference in rows
    ]
