"""Handover points and closures, run by the cell that made them and read by desks; bad input
named with nothing stored; the calendar's windows in the point's zone, with closures and free
places. Both engines, and the hours arithmetic on its own."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from homeward.audit import service as audit
from homeward.core.errors import BadInput, Forbidden
from homeward.core.runtime import Runtime
from homeward.passage import calendar, points
from homeward.passage import hours as clock
from homeward.passage.models import HandoverPoint, HandoverWindow
from homeward.passage.schemas import CalendarWindow, PointData
from homeward.policy import binding
from tests import helpers
from tests.passage import world


def _data(**changes: object) -> PointData:
    data = PointData(
        name="Rabia crossing",
        area="Tal Afar district",
        units=["Reception unit 4", "Reception unit 7"],
        hours=world.EVERY_DAY,
        capacity=2,
        window_minutes=60,
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def _create(runtime: Runtime, persona: helpers.Persona, data: PointData) -> str:
    with runtime.db.transaction() as session:
        return points.create_point(
            session=session, principal=world.principal(runtime, persona), data=data
        ).id


def _count(runtime: Runtime) -> int:
    with runtime.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(HandoverPoint)) or 0


def test_the_cell_creates_a_point_that_every_desk_reads(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    point_id = _create(runtime, personas["coordinator"], _data())
    with runtime.db.transaction() as session:
        point = points.get_point(
            session=session,
            principal=world.principal(runtime, personas["deu_officer"]),
            point_id=point_id,
        )
        assert (point.cell_nation, point.time_zone) == ("IRQ", "Asia/Baghdad")
        assert [unit.name for unit in point.units] == ["Reception unit 4", "Reception unit 7"]
        assert len(point.hours) == 14
        actions = [e.action for e in audit.entries(session=session, resource_id=point_id)]
    assert actions == ["passage:point:create"]


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"name": " "}, "name: it is empty"),
        ({"area": "36.3725, 42.0917"}, "area: a district name, never coordinates"),
        ({"area": "36°22'N 42°05'E"}, "area: a district name, never coordinates"),
        ({"units": [" "]}, "units: name at least one receiving unit"),
        ({"capacity": 0}, "capacity: from 1 to 500"),
        ({"window_minutes": 0}, "window_minutes: from 1 to 1440"),
        ({"time_zone": "Mars/Olympus"}, "time_zone: 'Mars/Olympus' is not an IANA time zone"),
        ({"hours": {}}, "hours: the point is never open"),
        ({"hours": {7: [("08:00", "12:00")]}}, "hours: weekday 7 is not 0"),
        ({"hours": {0: [("8h", "12:00")]}}, "hours: '8h' is not a time of day as HH:MM"),
        ({"hours": {0: [("12:00", "08:00")]}}, "on Monday the point opens at 12:00 and closes"),
        ({"hours": {0: [("08:00", "12:00"), ("11:00", "13:00")]}}, "overlap on Monday"),
    ],
)
def test_bad_point_input_is_named_and_nothing_is_stored(
    runtime: Runtime, personas: helpers.Personas, changes: dict[str, object], match: str
) -> None:
    with pytest.raises(BadInput, match=match):
        _create(runtime, personas["coordinator"], _data(**changes))
    assert _count(runtime) == 0


def test_only_the_cell_that_runs_a_point_manages_it(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    for key in ("fra_officer", "fra_supervisor", "administrator"):
        with pytest.raises(Forbidden):
            _create(runtime, personas[key], _data(name=f"Point of {key}"))
    point_id = _create(runtime, personas["coordinator"], _data())
    jor = world.second_cell(runtime)
    with pytest.raises(Forbidden, match="run by the IRQ cell"), runtime.db.transaction() as session:
        points.update_point(
            session=session,
            principal=world.principal(runtime, jor),
            point_id=point_id,
            data=_data(capacity=9),
        )
    with pytest.raises(Forbidden), runtime.db.transaction() as session:
        points.add_closure(
            session=session,
            principal=world.principal(runtime, jor),
            point_id=point_id,
            first_day=world.day_ahead(),
            last_day=world.day_ahead(),
            reason="not theirs to close",
        )
    with pytest.raises(BadInput, match="already a handover point called Rabia crossing"):
        _create(runtime, jor, _data())
    assert _count(runtime) == 1


def test_a_new_capacity_reaches_the_windows_to_come(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    coordinator, fra = personas["coordinator"], personas["fra_officer"]
    point_id = world.make_point(runtime, coordinator, capacity=1)
    starts_at = world.window(world.day_ahead(), "09:00")
    world.book(runtime, fra, world.cleared_case(runtime, fra), point_id, starts_at)
    with runtime.db.transaction() as session:
        points.update_point(
            session=session,
            principal=world.principal(runtime, coordinator),
            point_id=point_id,
            data=_data(capacity=2, units=["Reception unit 4"]),
        )
    world.book(runtime, fra, world.cleared_case(runtime, fra, family="Amrani"), point_id, starts_at)
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: the counter")
        counter = session.scalars(select(HandoverWindow)).one()
        assert (counter.capacity, counter.booked) == (2, 2)
        actions = [e.action for e in audit.entries(session=session, resource_id=point_id)]
    assert actions == ["passage:point:create", "passage:point:change"]


def test_closures_need_a_reason_and_an_order_and_can_be_lifted(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    coordinator, fra = personas["coordinator"], personas["fra_officer"]
    point_id = world.make_point(runtime, coordinator)
    day = world.day_ahead()

    def close(first: date, last: date, reason: str) -> str:
        with runtime.db.transaction() as session:
            return points.add_closure(
                session=session,
                principal=world.principal(runtime, coordinator),
                point_id=point_id,
                first_day=first,
                last_day=last,
                reason=reason,
            ).id

    with pytest.raises(BadInput, match="reason: it is empty"):
        close(day, day, " ")
    with pytest.raises(BadInput, match="the closure ends before it begins"):
        close(day, day - timedelta(days=1), "Flooding")
    closure_id = close(day, day, "Flooding on the road")
    windows = _calendar(runtime, fra, point_id, day)
    assert {window.closed for window in windows} == {"Flooding on the road"}
    assert {window.free for window in windows} == {0}
    with runtime.db.transaction() as session:
        points.lift_closure(
            session=session, principal=world.principal(runtime, coordinator), closure_id=closure_id
        )
    assert {window.closed for window in _calendar(runtime, fra, point_id, day)} == {None}
    world.book(runtime, fra, world.cleared_case(runtime, fra), point_id, world.window(day, "08:00"))


def _calendar(
    runtime: Runtime, persona: helpers.Persona, point_id: str, day: date, days: int = 1
) -> list[CalendarWindow]:
    with runtime.db.transaction() as session:
        return calendar.calendar(
            session=session,
            principal=world.principal(runtime, persona),
            point_id=point_id,
            first_day=day,
            days=days,
        )


def test_the_calendar_lists_a_weeks_windows_in_local_and_utc_time(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra = personas["fra_officer"]
    point_id = world.make_point(runtime, personas["coordinator"], capacity=2)
    day = world.day_ahead()
    world.book(runtime, fra, world.cleared_case(runtime, fra), point_id, world.window(day, "13:00"))
    week = _calendar(runtime, fra, point_id, day, days=7)
    assert len(week) == 7 * 7  # 08-12 and 13-16 in hours: seven windows a day
    first = week[0]
    assert (first.local_day, first.local_start) == (day, "08:00")
    assert first.starts_at == world.window(day, "08:00")
    assert first.starts_at.hour == 5  # Baghdad is UTC+3
    one = next(window for window in week if window.local_start == "13:00")
    assert (one.capacity, one.booked, one.free, len(one.mine), one.others) == (2, 1, 1, 1, 0)
    assert all(window.free == 2 for window in week if window is not one)
    with pytest.raises(BadInput, match="days: from 1 to 31"):
        _calendar(runtime, fra, point_id, day, days=40)
    past = _calendar(runtime, fra, point_id, world.day_ahead(-2))
    assert all(window.past and window.free == 0 for window in past)


def test_hours_arithmetic() -> None:
    morning = [("08:00", "12:00")]
    weekly = clock.weekly_hours({0: morning, 1: morning, 5: [("09:00", "24:00")]})
    assert clock.describe(weekly) == "Monday to Tuesday 08:00-12:00; Saturday 09:00-24:00"
    assert clock.starts_in(weekly[0], 90) == [480, 570]  # 08:00, 09:30 (11:00 would end late)
    paris = clock.zone("Europe/Paris")
    summer = clock.instant_of(date(2030, 7, 1), 8 * 60, paris)
    winter = clock.instant_of(date(2030, 1, 7), 8 * 60, paris)
    assert (summer.hour, winter.hour) == (6, 7)  # the point's wall clock, whatever the season
    assert clock.is_window({0: weekly[0]}, 60, paris, winter)
    assert not clock.is_window({0: weekly[0]}, 60, paris, winter + timedelta(seconds=1))
    assert clock.local(datetime(2030, 1, 6, 23, 30, tzinfo=UTC), clock.zone("Asia/Baghdad")) == (
        date(2030, 1, 7),
        150,
    )
