"""Handover points and their closures: run by the coordination cell, read by every desk.

Only the cell that runs a point changes it; each change is an audit entry in the same
transaction. Points hold no person, so they carry no labels: any officer with the permission
reads them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from homeward.accounts import service as accounts_service
from homeward.audit import service as audit
from homeward.core.db import utcnow
from homeward.core.errors import BadInput, Forbidden, NotFound
from homeward.passage import hours as clock
from homeward.passage.models import (
    HandoverClosure,
    HandoverHours,
    HandoverPoint,
    HandoverUnit,
    HandoverWindow,
)
from homeward.passage.schemas import PointData, text
from homeward.policy import check as policy
from homeward.policy import roles

CLOSURE_REASON_MAX = 500
CLOSURE_DAYS_MAX = 366


def _audit(
    session: Session, principal: policy.Principal, action: str, point: HandoverPoint
) -> None:
    audit.record(
        session=session,
        actor=principal.audit_name,
        action=action,
        resource_type="handover_point",
        resource_id=point.id,
        nation=point.cell_nation,
    )


def _require_cell(session: Session, principal: policy.Principal) -> None:
    policy.require_permission(principal, roles.POINT_MANAGE)
    if not accounts_service.get_desk(session=session, code=principal.nation).is_coordination:
        raise Forbidden("only a coordination cell runs handover points")


def _managed(session: Session, principal: policy.Principal, point_id: str) -> HandoverPoint:
    _require_cell(session, principal)
    point = session.get(HandoverPoint, point_id)
    if point is None:
        raise NotFound("handover point")
    if point.cell_nation != principal.nation:
        raise Forbidden(f"{point.name} is run by the {point.cell_nation} cell, not yours")
    return point


def _apply(session: Session, point: HandoverPoint, data: PointData) -> None:
    name, area, units = data.checked_texts()
    tz = clock.zone(data.time_zone)
    weekly = clock.weekly_hours(data.hours)
    taken = session.scalar(
        select(HandoverPoint.id).where(HandoverPoint.name == name, HandoverPoint.id != point.id)
    )
    if taken is not None:
        raise BadInput("name", f"there is already a handover point called {name}")
    point.name, point.area, point.time_zone = name, area, tz.key
    point.capacity, point.window_minutes = data.capacity, data.window_minutes
    point.updated_at = utcnow()
    point.units = [HandoverUnit(name=unit) for unit in units]
    point.hours = [
        HandoverHours(weekday=weekday, opens_minute=span.opens, closes_minute=span.closes)
        for weekday, spans in sorted(weekly.items())
        for span in spans
    ]


def create_point(
    *, session: Session, principal: policy.Principal, data: PointData
) -> HandoverPoint:
    _require_cell(session, principal)
    point = HandoverPoint(cell_nation=principal.nation, created_at=utcnow())
    _apply(session, point, data)
    session.add(point)
    session.flush()
    _audit(session, principal, "passage:point:create", point)
    return point


def update_point(
    *, session: Session, principal: policy.Principal, point_id: str, data: PointData
) -> HandoverPoint:
    """New hours, units or capacity. Plans already booked keep their windows; windows to come
    take the new capacity (a window already fuller than that takes no more)."""
    point = _managed(session, principal, point_id)
    # Replacing the collections deletes the old rows first, then inserts the new ones.
    point.units, point.hours = [], []
    session.flush()
    _apply(session, point, data)
    session.execute(
        update(HandoverWindow)
        .where(HandoverWindow.point_id == point.id, HandoverWindow.starts_at > utcnow())
        .values(capacity=point.capacity)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    _audit(session, principal, "passage:point:change", point)
    return point


def find_point(session: Session, point_id: str) -> HandoverPoint | None:
    """The point with its hours and units in the same query: every booking and calendar reads
    them, and loading each on first use is a round trip more (a point has a few of each, so
    the join returns a few dozen rows at most). Closures load on first use: they pile up."""
    return session.get(
        HandoverPoint,
        point_id,
        options=[joinedload(HandoverPoint.hours), joinedload(HandoverPoint.units)],
    )


def get_point(*, session: Session, principal: policy.Principal, point_id: str) -> HandoverPoint:
    policy.require_permission(principal, roles.POINT_READ)
    point = find_point(session, point_id)
    if point is None:
        raise NotFound("handover point")
    return point


def list_points(*, session: Session, principal: policy.Principal) -> list[HandoverPoint]:
    policy.require_permission(principal, roles.POINT_READ)
    return list(session.scalars(select(HandoverPoint).order_by(HandoverPoint.name)))


def weekly_hours(point: HandoverPoint) -> dict[int, list[clock.Interval]]:
    weekly: dict[int, list[clock.Interval]] = {}
    for row in point.hours:
        weekly.setdefault(row.weekday, []).append(
            clock.Interval(row.opens_minute, row.closes_minute)
        )
    return weekly


def closure_on(point: HandoverPoint, day: date) -> HandoverClosure | None:
    return next((c for c in point.closures if c.first_day <= day <= c.last_day), None)


def add_closure(
    *,
    session: Session,
    principal: policy.Principal,
    point_id: str,
    first_day: date,
    last_day: date,
    reason: str,
) -> HandoverClosure:
    """The point receives nobody from `first_day` to `last_day` (local dates, inclusive).
    Plans already booked in those days stay as they are, for their desks to move."""
    point = _managed(session, principal, point_id)
    why = text(reason, "reason", CLOSURE_REASON_MAX, required=True)
    if last_day < first_day:
        raise BadInput("last_day", "the closure ends before it begins")
    if (last_day - first_day).days >= CLOSURE_DAYS_MAX:
        raise BadInput("last_day", f"a closure lasts at most {CLOSURE_DAYS_MAX} days")
    closure = HandoverClosure(
        first_day=first_day,
        last_day=last_day,
        reason=why,
        created_by=principal.officer_id,
        created_at=utcnow(),
    )
    point.closures.append(closure)
    session.flush()
    _audit(session, principal, "passage:closure:add", point)
    return closure


def lift_closure(*, session: Session, principal: policy.Principal, closure_id: str) -> None:
    _require_cell(session, principal)
    closure = session.get(HandoverClosure, closure_id)
    if closure is None:
        raise NotFound("closure")
    point = _managed(session, principal, closure.point_id)
    point.closures.remove(closure)
    session.flush()
    _audit(session, principal, "passage:closure:lift", point)
