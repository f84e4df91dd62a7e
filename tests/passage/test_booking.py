"""The calendar refuses, naming what is wrong and storing nothing: a window in the past, an
unknown point, a time outside the opening hours, a closed point (with the closure's reason),
a full window, and the same person booked in an overlapping window. Both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from homeward.audit import service as audit
from homeward.core.errors import BadInput, NotFound
from homeward.core.runtime import Runtime
from homeward.passage import hours as clock
from homeward.passage import plans, points
from homeward.passage.exceptions import BookingRefused, WindowFull
from homeward.passage.models import HandoverWindow
from homeward.policy import binding
from tests import helpers
from tests.passage import world


@pytest.fixture
def fra(personas: helpers.Personas) -> helpers.Persona:
    return personas["fra_officer"]


@pytest.fixture
def point_id(runtime: Runtime, personas: helpers.Personas) -> str:
    return world.make_point(runtime, personas["coordinator"], capacity=1)


def _refused(
    runtime: Runtime,
    persona: helpers.Persona,
    case_id: str,
    point_id: str,
    starts_at: datetime,
    *,
    kind: type[Exception],
    match: str,
) -> None:
    before = world.stored(runtime)
    with pytest.raises(kind, match=match):
        world.book(runtime, persona, case_id, point_id, starts_at)
    assert world.stored(runtime) == before


def test_a_booking_takes_a_place_and_leaves_an_event_and_an_audit_entry(
    runtime: Runtime, fra: helpers.Persona, point_id: str
) -> None:
    case_id = world.cleared_case(runtime, fra)
    starts_at = world.window(world.day_ahead(), "09:00")
    before = world.stored(runtime)
    plan_id = world.book(runtime, fra, case_id, point_id, starts_at)
    after = world.stored(runtime)
    assert (after.plans, after.booked, after.windows) == (1, 1, 1)
    assert after.events == before.events + 1
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: read back")
        assert [e.action for e in audit.entries(session=session, resource_id=case_id)][-1] == (
            "passage:plan:book"
        )
        counter = session.scalars(select(HandoverWindow)).one()
        assert counter.starts_at == starts_at
        assert counter.ends_at == starts_at + timedelta(hours=1)
    assert plan_id


def test_a_window_in_the_past_is_refused(
    runtime: Runtime, fra: helpers.Persona, point_id: str
) -> None:
    case_id = world.cleared_case(runtime, fra)
    yesterday = world.window(world.day_ahead(-1), "09:00")
    _refused(
        runtime, fra, case_id, point_id, yesterday, kind=BookingRefused, match="is in the past"
    )


def test_an_unknown_point_is_refused(runtime: Runtime, fra: helpers.Persona) -> None:
    case_id = world.cleared_case(runtime, fra)
    starts_at = world.window(world.day_ahead(), "09:00")
    _refused(
        runtime,
        fra,
        case_id,
        "0" * 32,
        starts_at,
        kind=BookingRefused,
        match="no handover point with this id",
    )


@pytest.mark.parametrize(
    "at",
    [
        "03:00",  # before opening
        "12:00",  # the midday break
        "15:30",  # the window would run past closing
        "09:30",  # not on a window boundary
    ],
)
def test_a_time_outside_the_opening_hours_is_refused(
    runtime: Runtime, fra: helpers.Persona, point_id: str, at: str
) -> None:
    case_id = world.cleared_case(runtime, fra)
    starts_at = world.window(world.day_ahead(), at)
    _refused(
        runtime,
        fra,
        case_id,
        point_id,
        starts_at,
        kind=BookingRefused,
        match=rf"Rabia crossing has no window starting .* {at} Asia/Baghdad .*: it is open "
        r"Monday to Sunday 08:00-12:00, 13:00-16:00 \(Asia/Baghdad\)",
    )


def test_a_point_closed_that_day_is_refused_with_the_reason(
    runtime: Runtime, personas: helpers.Personas, fra: helpers.Persona, point_id: str
) -> None:
    day = world.day_ahead(3)
    with runtime.db.transaction() as session:
        points.add_closure(
            session=session,
            principal=world.principal(runtime, personas["coordinator"]),
            point_id=point_id,
            first_day=day - timedelta(days=1),
            last_day=day + timedelta(days=1),
            reason="Bridge repairs on the approach road",
        )
    case_id = world.cleared_case(runtime, fra)
    _refused(
        runtime,
        fra,
        case_id,
        point_id,
        world.window(day, "09:00"),
        kind=BookingRefused,
        match="Rabia crossing is closed from .* to .*: Bridge repairs on the approach road",
    )
    # The day after the closure is open again.
    world.book(runtime, fra, case_id, point_id, world.window(day + timedelta(days=2), "09:00"))


def test_a_full_window_is_refused(runtime: Runtime, fra: helpers.Persona, point_id: str) -> None:
    starts_at = world.window(world.day_ahead(), "10:00")
    world.book(runtime, fra, world.cleared_case(runtime, fra, family="Amrani"), point_id, starts_at)
    other = world.cleared_case(runtime, fra, family="Haddad")
    _refused(
        runtime, fra, other, point_id, starts_at, kind=WindowFull, match="is full: all 1 places"
    )


def test_the_same_person_in_an_overlapping_window_is_refused(
    runtime: Runtime, personas: helpers.Personas, fra: helpers.Persona, point_id: str
) -> None:
    elsewhere = world.make_point(
        runtime, personas["coordinator"], name="Sinjar checkpoint", window_minutes=90
    )
    case_id = world.cleared_case(runtime, fra)
    day = world.day_ahead()
    world.book(runtime, fra, case_id, point_id, world.window(day, "09:00"))
    # Sinjar's 90-minute windows start at 08:00 and 09:30: both overlap 09:00-10:00.
    for at in ("08:00", "09:30"):
        _refused(
            runtime,
            fra,
            case_id,
            elsewhere,
            world.window(day, at),
            kind=BookingRefused,
            match="is already booked at Rabia crossing for the window .* which overlaps",
        )
    # The next window does not overlap, and another person may take the same hour elsewhere.
    world.book(runtime, fra, case_id, elsewhere, world.window(day, "13:00"))
    world.book(
        runtime,
        fra,
        world.cleared_case(runtime, fra, family="Saidi"),
        elsewhere,
        world.window(day, "09:30"),
    )


def test_a_case_not_yet_cleared_is_refused(
    runtime: Runtime, fra: helpers.Persona, point_id: str
) -> None:
    case_id = world.cleared_case(runtime, fra, stage="identity_verified")
    _refused(
        runtime,
        fra,
        case_id,
        point_id,
        world.window(world.day_ahead(), "09:00"),
        kind=BookingRefused,
        match="only a cleared case gets a passage plan; .* is identity verified",
    )


def test_a_unit_that_does_not_receive_there_and_a_time_without_zone_are_refused(
    runtime: Runtime, fra: helpers.Persona, point_id: str
) -> None:
    case_id = world.cleared_case(runtime, fra)
    starts_at = world.window(world.day_ahead(), "09:00")
    before = world.stored(runtime)
    with (
        pytest.raises(BadInput, match="Unit 9 does not receive at Rabia crossing"),
        runtime.db.transaction() as session,
    ):
        plans.book(
            session=session,
            principal=world.principal(runtime, fra),
            secrets=runtime.secrets,
            settings=runtime.settings,
            case_id=case_id,
            point_id=point_id,
            starts_at=starts_at,
            details=world.details().__class__(receiving_unit="Unit 9"),
        )
    with (
        pytest.raises(BookingRefused, match="with its time zone"),
        runtime.db.transaction() as session,
    ):
        plans.book(
            session=session,
            principal=world.principal(runtime, fra),
            secrets=runtime.secrets,
            settings=runtime.settings,
            case_id=case_id,
            point_id=point_id,
            starts_at=starts_at.replace(tzinfo=None),
            details=world.details(),
        )
    assert world.stored(runtime) == before


def test_another_nation_cannot_book_for_a_case_it_was_released(
    runtime: Runtime, personas: helpers.Personas, fra: helpers.Persona, point_id: str
) -> None:
    case_id = world.cleared_case(runtime, fra, release=("DEU",))
    before = world.stored(runtime)
    with pytest.raises(NotFound):
        world.book(
            runtime,
            personas["deu_officer"],
            case_id,
            point_id,
            world.window(world.day_ahead(), "09:00"),
        )
    assert world.stored(runtime) == before


def test_the_window_check_is_in_the_points_own_zone() -> None:
    """08:00 in Baghdad (UTC+3, no summer time) is 05:00 UTC; the refusal shows both."""
    tz = clock.zone("Asia/Baghdad")
    start = clock.instant_of(datetime(2030, 1, 7, tzinfo=UTC).date(), 8 * 60, tz)
    assert start == datetime(2030, 1, 7, 5, 0, tzinfo=UTC)
    weekly = {0: [clock.Interval(8 * 60, 12 * 60)]}
    assert clock.is_window(weekly, 60, tz, start)
    assert not clock.is_window(weekly, 60, tz, start + timedelta(minutes=30))
    assert [s.hour for s, _e in clock.windows_on(weekly, 60, tz, start.date())] == [5, 6, 7, 8]
