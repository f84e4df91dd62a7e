"""Opening hours and windows as arithmetic, with no database: local wall-clock minutes in the
point's IANA zone on one side, UTC instants on the other.

A day's windows start at each interval's opening time and every `window_minutes` after it, as
long as the whole window ends by the closing time; nothing else is a window.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from homeward.core.errors import BadInput

MINUTES_A_DAY = 24 * 60
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
CLOCK = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")


@dataclass(frozen=True, order=True)
class Interval:
    """Opening time and closing time, in minutes after local midnight."""

    opens: int
    closes: int


WeeklyHours = Mapping[int, Sequence[Interval]]
"""Intervals by weekday (0 is Monday); a weekday missing is a day the point is shut."""


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadInput("time_zone", f"{name!r} is not an IANA time zone") from exc


def minutes_of(text: str, field: str) -> int:
    """'07:30' as 450; '24:00' is the next midnight (a closing time only)."""
    match = CLOCK.match(text.strip())
    if match is None:
        raise BadInput(field, f"{text!r} is not a time of day as HH:MM")
    minutes = int(match.group(1)) * 60 + int(match.group(2))
    if minutes > MINUTES_A_DAY:
        raise BadInput(field, f"{text!r} is after midnight")
    return minutes


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def weekly_hours(given: Mapping[int, Iterable[tuple[str, str]]]) -> dict[int, list[Interval]]:
    """Checked intervals from ('08:00', '12:00') pairs: within the day, opening before
    closing, and no two overlapping on one weekday."""
    checked: dict[int, list[Interval]] = {}
    for weekday, pairs in given.items():
        if weekday not in range(7):
            raise BadInput("hours", f"weekday {weekday} is not 0 (Monday) to 6 (Sunday)")
        day = WEEKDAYS[weekday]
        intervals = sorted(
            Interval(minutes_of(opens, "hours"), minutes_of(closes, "hours"))
            for opens, closes in pairs
        )
        for interval in intervals:
            if interval.opens >= interval.closes or interval.opens >= MINUTES_A_DAY:
                raise BadInput(
                    "hours",
                    f"on {day} the point opens at {clock(interval.opens)} and closes at "
                    f"{clock(interval.closes)}: it must open before it closes, the same day",
                )
        for before, after in itertools.pairwise(intervals):
            if after.opens < before.closes:
                raise BadInput("hours", f"two opening intervals overlap on {day}")
        if intervals:
            checked[weekday] = intervals
    if not checked:
        raise BadInput("hours", "the point is never open: give at least one weekday's hours")
    return checked


def starts_in(intervals: Iterable[Interval], window_minutes: int) -> list[int]:
    """The start minutes of one day's windows."""
    starts: list[int] = []
    for interval in intervals:
        start = interval.opens
        while start + window_minutes <= interval.closes:
            starts.append(start)
            start += window_minutes
    return starts


def local(instant: datetime, tz: ZoneInfo) -> tuple[date, int]:
    """The local date and minute of day of a UTC instant."""
    there = instant.astimezone(tz)
    return there.date(), there.hour * 60 + there.minute


def instant_of(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """The UTC instant of a local date and minute of day."""
    there = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)
    return there.astimezone(UTC)


def is_window(hours: WeeklyHours, window_minutes: int, tz: ZoneInfo, starts_at: datetime) -> bool:
    """Whether this instant starts one of the point's windows."""
    if starts_at.second or starts_at.microsecond:
        return False
    day, minute = local(starts_at, tz)
    return minute in starts_in(hours.get(day.weekday(), ()), window_minutes)


def windows_on(
    hours: WeeklyHours, window_minutes: int, tz: ZoneInfo, day: date
) -> list[tuple[datetime, datetime]]:
    """Every window of one local date, as UTC (start, end)."""
    length = timedelta(minutes=window_minutes)
    found = []
    for minute in starts_in(hours.get(day.weekday(), ()), window_minutes):
        start = instant_of(day, minute, tz)
        found.append((start, start + length))
    return found


def describe(hours: WeeklyHours) -> str:
    """'Monday to Friday 08:00-12:00, 13:00-16:00; Saturday 09:00-12:00': the hours in a
    refusal, consecutive days with the same hours said once."""
    groups: list[tuple[int, int, str]] = []
    for weekday in sorted(hours):
        spans = ", ".join(f"{clock(i.opens)}-{clock(i.closes)}" for i in hours[weekday])
        if groups and groups[-1][1] == weekday - 1 and groups[-1][2] == spans:
            groups[-1] = (groups[-1][0], weekday, spans)
        else:
            groups.append((weekday, weekday, spans))
    return "; ".join(
        f"{WEEKDAYS[first]}{f' to {WEEKDAYS[last]}' if last != first else ''} {spans}"
        for first, last, spans in groups
    )
