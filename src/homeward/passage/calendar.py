"""The calendar of a point: which windows exist, which are free, and taking or giving back a
place.

A place is taken by one upsert of the window's counter row: inserted with one place taken, or
one place added only while `booked < capacity`. Two officers racing for the last place cannot
both win: on PostgreSQL the second waits for the first's row lock and then finds the window
full; on SQLite writers take turns.
The calendar shows each window's free places, the plans this officer may open, and everyone
else's only as a count of "booked".
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from homeward.core.db import utcnow
from homeward.core.errors import BadInput
from homeward.passage import access, points
from homeward.passage import hours as clock
from homeward.passage.exceptions import BookingRefused, WindowFull
from homeward.passage.models import CANCELLED, HandoverPoint, HandoverWindow, PassagePlan
from homeward.passage.schemas import CalendarWindow, PlanSlot
from homeward.policy import binding
from homeward.policy import check as policy

CALENDAR_DAYS_MAX = 31


def window_text(point: HandoverPoint, starts_at: datetime) -> str:
    """'2026-12-09 08:00 Asia/Baghdad (05:00 UTC)': a window as the refusals name it."""
    tz = clock.zone(point.time_zone)
    day, minute = clock.local(starts_at, tz)
    return f"{day.isoformat()} {clock.clock(minute)} {tz.key} ({starts_at:%H:%M} UTC)"


def utc(starts_at: datetime) -> datetime:
    """A window's start as given, in UTC; a time without its zone is refused (it could be
    anyone's wall clock)."""
    if starts_at.tzinfo is None:
        raise BookingRefused("window", "give the window's start with its time zone")
    return starts_at.astimezone(UTC)


def check_window(point: HandoverPoint, starts_at: datetime, now: datetime) -> datetime:
    """The window's end, if `starts_at` begins a window of the point that is still to come and
    the point is open that day; otherwise refused with what is wrong."""
    starts_at = utc(starts_at)
    if starts_at <= now:
        raise BookingRefused("window", f"the window {window_text(point, starts_at)} is in the past")
    tz = clock.zone(point.time_zone)
    weekly = points.weekly_hours(point)
    if not clock.is_window(weekly, point.window_minutes, tz, starts_at):
        raise BookingRefused(
            "window",
            f"{point.name} has no window starting {window_text(point, starts_at)}: it is open "
            f"{clock.describe(weekly)} ({tz.key}), in windows of {point.window_minutes} "
            "minutes from each opening time",
        )
    day, _minute = clock.local(starts_at, tz)
    closure = points.closure_on(point, day)
    if closure is not None:
        raise BookingRefused(
            "window",
            f"{point.name} is closed from {closure.first_day.isoformat()} to "
            f"{closure.last_day.isoformat()}: {closure.reason}",
        )
    return starts_at + timedelta(minutes=point.window_minutes)


def _counter(point_id: str, starts_at: datetime) -> Any:
    return (HandoverWindow.point_id == point_id) & (HandoverWindow.starts_at == starts_at)


def reserve(session: Session, point: HandoverPoint, starts_at: datetime, ends_at: datetime) -> None:
    """Take one place, or raise WindowFull: the database decides, in one statement. The
    window's first booking inserts its counter with one place taken; later ones add a place
    only while `booked < capacity` (the upsert's update locks the row, so two officers racing
    for the last place are decided one after the other)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    upsert = (
        dialect.insert(HandoverWindow)
        .values(
            point_id=point.id,
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=point.capacity,
            booked=1,
        )
        .on_conflict_do_update(
            index_elements=["point_id", "starts_at"],
            set_={"booked": HandoverWindow.booked + 1},
            where=HandoverWindow.booked < HandoverWindow.capacity,
        )
        .returning(HandoverWindow.booked)
    )
    if session.execute(upsert).first() is None:  # the update's condition held it back
        capacity = session.scalar(
            select(HandoverWindow.capacity).where(_counter(point.id, starts_at))
        )
        raise WindowFull(
            "window",
            f"the window {window_text(point, starts_at)} at {point.name} is full: "
            f"all {capacity} places are booked",
        )


def give_back(session: Session, point_id: str, starts_at: datetime) -> None:
    """Free the place a plan held (cancelled, or moved to another window)."""
    session.execute(
        update(HandoverWindow)
        .where(_counter(point_id, starts_at), HandoverWindow.booked > 0)
        .values(booked=HandoverWindow.booked - 1)
        .execution_options(synchronize_session=False)
    )


def calendar(
    *,
    session: Session,
    principal: policy.Principal,
    point_id: str,
    first_day: date,
    days: int = 7,
    now: datetime | None = None,
) -> list[CalendarWindow]:
    """Every window of the point from `first_day` for `days` local dates: capacity, places
    booked, closure, the plans this officer may open, the rest only as a count."""
    if not 1 <= days <= CALENDAR_DAYS_MAX:
        raise BadInput("days", f"from 1 to {CALENDAR_DAYS_MAX} days")
    point = points.get_point(session=session, principal=principal, point_id=point_id)
    binding.bind(session, principal)
    now = now or utcnow()
    tz = clock.zone(point.time_zone)
    weekly = points.weekly_hours(point)
    spans = [
        (day, start, end)
        for offset in range(days)
        for day in [first_day + timedelta(days=offset)]
        for start, end in clock.windows_on(weekly, point.window_minutes, tz, day)
    ]
    if not spans:
        return []
    low, high = spans[0][1], spans[-1][1]
    counters: dict[datetime, HandoverWindow] = {}
    mine: dict[datetime, list[PlanSlot]] = {}
    # One query for the week's counters and their plans: every plan holds a place in its
    # window's counter row. The binding puts the label rule in the join's ON clause, so a
    # plan this officer may not see (any plan, for a role without plan:read) joins nothing.
    rows = session.execute(
        select(
            HandoverWindow,
            PassagePlan.id,
            PassagePlan.owner_nation,
            PassagePlan.status,
            PassagePlan.case_id,
        )
        .outerjoin(
            PassagePlan,
            (PassagePlan.point_id == HandoverWindow.point_id)
            & (PassagePlan.window_starts_at == HandoverWindow.starts_at)
            & (PassagePlan.status != CANCELLED),
        )
        .where(
            HandoverWindow.point_id == point.id,
            HandoverWindow.starts_at >= low,
            HandoverWindow.starts_at <= high,
        )
        .order_by(HandoverWindow.starts_at, PassagePlan.created_at)
    )
    for row, plan_id, owner, status, case_id in rows:
        counters[row.starts_at] = row
        if plan_id is not None and access.may_open(principal, owner_nation=owner, point=point):
            own_case = case_id if owner == principal.nation else None
            mine.setdefault(row.starts_at, []).append(PlanSlot(plan_id, owner, status, own_case))
    windows = []
    for day, start, end in spans:
        counter = counters.get(start)
        booked = counter.booked if counter is not None else 0
        slots = tuple(mine.get(start, ()))
        closure = points.closure_on(point, day)
        windows.append(
            CalendarWindow(
                starts_at=start,
                ends_at=end,
                local_day=day,
                local_start=clock.clock(clock.local(start, tz)[1]),
                capacity=counter.capacity if counter is not None else point.capacity,
                booked=booked,
                closed=closure.reason if closure is not None else None,
                past=start <= now,
                mine=slots,
                others=max(booked - len(slots), 0),
            )
        )
    return windows
