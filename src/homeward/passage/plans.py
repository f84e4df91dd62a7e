"""Passage plans: booking a window for a case, changing, cancelling and opening one.

The only code that changes plans (with approvals.py beside it). Each change is a case event
and an audit entry in the same transaction (through the case service's `record_event`). A
plan's details are sealed like a case note, to the owning desk's key and to the key of the
cell that runs the point; a plan carries its case's labels (with that cell added to the release
list), so the one policy binding filters every query over it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.accounts.models import DeskKey
from homeward.accounts.service import Keyring
from homeward.audit import service as audit
from homeward.cases import sealed
from homeward.cases import service as case_service
from homeward.cases.models import Case
from homeward.core.db import utcnow
from homeward.core.errors import BadInput, Forbidden, NotFound
from homeward.core.settings import Settings
from homeward.crypto import sealing
from homeward.crypto.keys import ServerSecrets
from homeward.passage import access, approvals, calendar, points
from homeward.passage.custody_models import CONFIRMED, DISPUTED, NOT_HAPPENED, Handover
from homeward.passage.exceptions import BookingRefused, PlanSettled
from homeward.passage.models import (
    BOOKED,
    CANCELLED,
    HandoverPoint,
    PassagePlan,
    PassagePlanWrap,
)
from homeward.passage.schemas import PlanDetails, PlanView, text
from homeward.policy import binding, roles
from homeward.policy import check as policy
from homeward.policy.labels import encode_release


def _point(session: Session, point_id: str) -> HandoverPoint:
    point = points.find_point(session, point_id)
    if point is None:
        raise BookingRefused("point", "there is no handover point with this id")
    return point


def _lock(session: Session, case: Case) -> None:
    """Hold the case's row until commit (PostgreSQL), so two bookings for one person are
    checked for overlap one after the other; SQLite's writers already take turns."""
    session.execute(select(Case.id).where(Case.id == case.id).with_for_update())


def _no_overlap(
    session: Session,
    *,
    case: Case,
    starts_at: datetime,
    ends_at: datetime,
    point: HandoverPoint,
    plan_id: str | None = None,
) -> None:
    query = select(PassagePlan).where(
        PassagePlan.case_id == case.id,
        PassagePlan.status != CANCELLED,
        PassagePlan.window_starts_at < ends_at,
        PassagePlan.window_ends_at > starts_at,
    )
    if plan_id is not None:
        query = query.where(PassagePlan.id != plan_id)
    clash = session.scalars(query).first()
    if clash is not None:
        raise BookingRefused(
            "window",
            f"{case.reference} is already booked at {clash.point.name} for the window "
            f"{calendar.window_text(clash.point, clash.window_starts_at)}, which overlaps "
            f"{calendar.window_text(point, starts_at)}",
        )


def _keys(session: Session, case: Case, point: HandoverPoint) -> list[DeskKey]:
    found = []
    owners = sealed.owner_desks(session, owner_nation=case.owner_nation, case_id=case.id)
    desks = (*owners, (point.cell_nation, "the cell"))
    current = accounts_service.current_desk_keys(session=session, desk_codes=[c for c, _ in desks])
    for code, who in desks:
        key = current.get(code)
        if key is None:
            raise BadInput("point", f"{who} ({code}) has no key yet: it could not read the plan")
        found.append(key)
    return found


def _seal(plan: PassagePlan, details: PlanDetails, keys: list[DeskKey]) -> None:
    """A fresh content key for every version; wraps kept for the same desk keys, so a
    change updates rows rather than deleting and re-inserting them."""
    content_key = sealing.random_bytes()
    plan.body = sealing.encrypt(content_key, details.to_bytes())
    wanted = {key.id: key for key in keys}
    plan.wraps = [wrap for wrap in plan.wraps if wrap.desk_key_id in wanted]
    held = {wrap.desk_key_id: wrap for wrap in plan.wraps}
    for key_id, key in wanted.items():
        sealed = sealing.seal(key.public_key, content_key)
        if key_id in held:
            held[key_id].sealed_key = sealed
        else:
            plan.wraps.append(PassagePlanWrap(desk_key_id=key_id, sealed_key=sealed))


def _label(plan: PassagePlan, case: Case, point: HandoverPoint) -> None:
    """The case's labels, and the cell that runs the point on the release list."""
    plan.owner_nation, plan.classification = case.owner_nation, case.classification
    plan.release = encode_release([*case.release_list, point.cell_nation])


def _checked(point: HandoverPoint, details: PlanDetails) -> PlanDetails:
    checked = details.checked()
    units = [unit.name for unit in point.units]
    if checked.receiving_unit not in units:
        raise BadInput(
            "receiving_unit",
            f"{checked.receiving_unit} does not receive at {point.name}; "
            f"its units are: {', '.join(units)}",
        )
    return checked


def _refuse_once_confirmed(session: Session, plan: PassagePlan, *, cancelling: bool) -> None:
    """Once a side has given its word on the handover, the plan is what that word is about: it
    is kept as it is. Only a handover both sides say did not happen lets the plan be cancelled
    (the case goes back to cleared and a new plan is booked)."""
    handover = session.scalars(select(Handover).where(Handover.plan_id == plan.id)).first()
    if handover is None or not handover.confirmations:
        return
    if handover.state == NOT_HAPPENED:
        if cancelling:
            return
        raise PlanSettled(
            "plan",
            "both sides said the handover did not happen: cancel this plan with a reason and "
            "book a new one",
        )
    if handover.state == CONFIRMED:
        why = "the handover was confirmed by both sides; the plan is its record"
    elif handover.state == DISPUTED:
        why = "the handover is disputed; the two sides settle it on the handover page first"
    else:
        why = (
            "a side has confirmed the handover; if it did not happen, both sides say so on the "
            "handover page, and then the plan can be cancelled"
        )
    raise PlanSettled(
        "plan", f"it cannot be {'cancelled' if cancelling else 'changed'} any more: {why}"
    )


def _detail(plan: PassagePlan, point: HandoverPoint) -> dict[str, str]:
    return {
        "plan": plan.id,
        "point": point.name,
        "window": plan.window_starts_at.astimezone(UTC).isoformat(),
    }


def book(
    *,
    session: Session,
    principal: policy.Principal,
    secrets: ServerSecrets,
    settings: Settings,
    case_id: str,
    point_id: str,
    starts_at: datetime,
    details: PlanDetails,
    now: datetime | None = None,
) -> PassagePlan:
    """Book a window for a cleared case of this desk, or refuse with what is wrong (and store
    nothing: the caller's transaction rolls back). Capacity is decided last, by the database."""
    policy.require_permission(principal, roles.PLAN_WRITE)
    case = access.own_case(session, principal, case_id)
    access.require_plannable(case, BookingRefused)
    access.require_cell_may_read(case, settings, BookingRefused)
    point = _point(session, point_id)
    checked = _checked(point, details)
    starts_at = calendar.utc(starts_at)
    ends_at = calendar.check_window(point, starts_at, now or utcnow())
    _lock(session, case)
    _no_overlap(session, case=case, starts_at=starts_at, ends_at=ends_at, point=point)
    keys = _keys(session, case, point)
    calendar.reserve(session, point, starts_at, ends_at)
    at = utcnow()
    plan = PassagePlan(
        case_id=case.id,
        point_id=point.id,
        window_starts_at=starts_at,
        window_ends_at=ends_at,
        status=BOOKED,
        authors="",
        created_at=at,
        updated_at=at,
    )
    plan.authors = approvals.with_author(plan, principal.officer_id)
    _label(plan, case, point)
    _seal(plan, checked, keys)
    session.add(plan)
    session.flush()
    case_service.record_event(
        session=session,
        secrets=secrets,
        principal=principal,
        case=case,
        kind="passage:plan:book",
        detail=_detail(plan, point),
    )
    session.flush()
    return plan


def change(
    *,
    session: Session,
    principal: policy.Principal,
    secrets: ServerSecrets,
    plan_id: str,
    details: PlanDetails,
    point_id: str | None = None,
    starts_at: datetime | None = None,
    now: datetime | None = None,
) -> PassagePlan:
    """A new version of the plan (new details, and a new point or window if given). Any
    change voids an approval: the plan must be approved again."""
    policy.require_permission(principal, roles.PLAN_WRITE)
    plan = access.own_plan(session, principal, plan_id)
    if plan.status == CANCELLED:
        raise BadInput("plan", "the plan is cancelled; book a new one")
    _refuse_once_confirmed(session, plan, cancelling=False)
    case = access.own_case(session, principal, plan.case_id)
    point = _point(session, point_id or plan.point_id)
    checked = _checked(point, details)
    new_start = calendar.utc(starts_at or plan.window_starts_at)
    if (point.id, new_start) != (plan.point_id, plan.window_starts_at):
        ends_at = calendar.check_window(point, new_start, now or utcnow())
        _lock(session, case)
        _no_overlap(
            session, case=case, starts_at=new_start, ends_at=ends_at, point=point, plan_id=plan.id
        )
        # Counter rows are locked in one order, so that two plans swapping windows cannot
        # deadlock on PostgreSQL.
        if (plan.point_id, plan.window_starts_at) < (point.id, new_start):
            calendar.give_back(session, plan.point_id, plan.window_starts_at)
            calendar.reserve(session, point, new_start, ends_at)
        else:
            calendar.reserve(session, point, new_start, ends_at)
            calendar.give_back(session, plan.point_id, plan.window_starts_at)
        plan.point_id, plan.point = point.id, point
        plan.window_starts_at, plan.window_ends_at = new_start, ends_at
    _label(plan, case, point)
    _seal(plan, checked, _keys(session, case, point))
    plan.authors = approvals.with_author(plan, principal.officer_id)
    plan.updated_at = utcnow()
    approvals.void(
        session, principal, secrets, case=case, plan=plan, because=approvals.VOID_CHANGED
    )
    plan.status = BOOKED
    case_service.record_event(
        session=session,
        secrets=secrets,
        principal=principal,
        case=case,
        kind="passage:plan:change",
        detail=_detail(plan, point),
    )
    session.flush()
    return plan


def cancel(
    *,
    session: Session,
    principal: policy.Principal,
    secrets: ServerSecrets,
    plan_id: str,
    reason: str,
) -> PassagePlan:
    """Call the plan off, with the reason; its place in the window is free again."""
    policy.require_permission(principal, roles.PLAN_WRITE)
    plan = access.own_plan(session, principal, plan_id)
    if plan.status == CANCELLED:
        raise BadInput("plan", "the plan is already cancelled")
    _refuse_once_confirmed(session, plan, cancelling=True)
    why = text(reason, "reason", 2000, required=True)
    case = access.own_case(session, principal, plan.case_id)
    calendar.give_back(session, plan.point_id, plan.window_starts_at)
    approvals.void(
        session, principal, secrets, case=case, plan=plan, because=approvals.VOID_CANCELLED
    )
    plan.status, plan.updated_at = CANCELLED, utcnow()
    case_service.record_event(
        session=session,
        secrets=secrets,
        principal=principal,
        case=case,
        kind="passage:plan:cancel",
        detail={**_detail(plan, plan.point), "reason": why},
    )
    session.flush()
    return plan


def open_plan(*, session: Session, keyring: Keyring, plan_id: str) -> PlanView:
    """The plan's details for the owning desk or the cell that runs its point; every such read
    is in the audit log. Nothing of the case beyond its id is loaded."""
    principal = keyring.principal
    binding.bind(session, principal)
    plan = session.get(PassagePlan, plan_id)
    policy.check(principal, roles.PLAN_READ, plan, "plan")
    assert plan is not None  # noqa: S101 - policy.check raised otherwise
    if not access.may_open(principal, owner_nation=plan.owner_nation, point=plan.point):
        raise NotFound("plan")
    held = accounts_service.desk_private_keys(session=session, keyring=keyring)
    wrap = next((wrap for wrap in plan.wraps if wrap.desk_key_id in held), None)
    if wrap is None:
        raise Forbidden("you hold none of the desk keys this plan is sealed to")
    content_key = sealing.unseal(held[wrap.desk_key_id], wrap.sealed_key)
    details = PlanDetails.from_bytes(sealing.decrypt(content_key, plan.body))
    audit.record(
        session=session,
        actor=principal.audit_name,
        action="passage:plan:read",
        resource_type="case",
        resource_id=plan.case_id,
        nation=plan.owner_nation,
    )
    return PlanView(
        id=plan.id,
        case_id=plan.case_id,
        owner_nation=plan.owner_nation,
        point_id=plan.point_id,
        point_name=plan.point.name,
        window_starts_at=plan.window_starts_at,
        window_ends_at=plan.window_ends_at,
        status=plan.status,
        approved=approvals.is_approved(plan),
        details=details,
    )


def plans_of(*, session: Session, principal: policy.Principal, case_id: str) -> list[PassagePlan]:
    """Every plan of a case of this desk, cancelled ones included, by window."""
    policy.require_permission(principal, roles.PLAN_READ)
    case = access.own_case(session, principal, case_id)
    return list(
        session.scalars(
            select(PassagePlan)
            .where(PassagePlan.case_id == case.id)
            .order_by(PassagePlan.window_starts_at)
        )
    )
