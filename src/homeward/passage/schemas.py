"""What callers give the passage services and what they get back."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from homeward.core.errors import BadInput
from homeward.passage.models import DEFAULT_TIME_ZONE

NAME_MAX = 80
UNITS_MAX = 10
CAPACITY_MAX = 500
WINDOW_MINUTES_MAX = 24 * 60
COORDINATES = re.compile(r"\d+[.,]\d{3,}|\d+\s*°|\d+°")
"""Decimal degrees (33.3152) or degree marks: an area is a district name, never a position."""


def text(value: str, field_name: str, limit: int, *, required: bool = False) -> str:
    cleaned = value.strip()
    if required and not cleaned:
        raise BadInput(field_name, "it is empty")
    if len(cleaned) > limit:
        raise BadInput(field_name, f"longer than {limit} characters")
    return cleaned


@dataclass
class PointData:
    """A handover point as the cell enters it. `hours`: by weekday (0 is Monday), the
    ('08:00', '12:00') intervals it is open, local time in `time_zone`."""

    name: str
    area: str
    units: list[str]
    hours: dict[int, list[tuple[str, str]]]
    capacity: int
    window_minutes: int
    time_zone: str = DEFAULT_TIME_ZONE

    def checked_texts(self) -> tuple[str, str, list[str]]:
        name = text(self.name, "name", NAME_MAX, required=True)
        area = text(self.area, "area", NAME_MAX, required=True)
        if COORDINATES.search(area):
            raise BadInput("area", "a district name, never coordinates")
        units = sorted({text(unit, "units", NAME_MAX) for unit in self.units} - {""})
        if not units:
            raise BadInput("units", "name at least one receiving unit")
        if len(units) > UNITS_MAX:
            raise BadInput("units", f"at most {UNITS_MAX} receiving units")
        if not 1 <= self.capacity <= CAPACITY_MAX:
            raise BadInput("capacity", f"from 1 to {CAPACITY_MAX} people a window")
        if not 1 <= self.window_minutes <= WINDOW_MINUTES_MAX:
            raise BadInput("window_minutes", f"from 1 to {WINDOW_MINUTES_MAX} minutes")
        return name, area, units


@dataclass
class PlanDetails:
    """Everything a plan says beyond its point and window: sealed, never in clear at rest."""

    receiving_unit: str
    accompanied_by: str = ""
    bring: str = ""
    """What the person must bring."""
    fallback: str = ""
    """What happens if the window is missed."""
    instructions: str = ""

    def checked(self) -> PlanDetails:
        return PlanDetails(
            receiving_unit=text(self.receiving_unit, "receiving_unit", NAME_MAX, required=True),
            accompanied_by=text(self.accompanied_by, "accompanied_by", 500),
            bring=text(self.bring, "bring", 2000),
            fallback=text(self.fallback, "fallback", 2000),
            instructions=text(self.instructions, "instructions", 10_000),
        )

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> PlanDetails:
        return cls(**json.loads(data))


@dataclass(frozen=True)
class PlanView:
    """A plan opened by an officer whose desk holds one of its keys."""

    id: str
    case_id: str
    owner_nation: str
    point_id: str
    point_name: str
    window_starts_at: datetime
    window_ends_at: datetime
    status: str
    approved: bool
    details: PlanDetails


@dataclass(frozen=True)
class PlanSlot:
    """A plan in the calendar that this officer may open: the desk's own, or any at a point
    its cell runs. `case_id` only for the owning desk: the cell learns nothing of the case."""

    plan_id: str
    owner_nation: str
    status: str
    case_id: str | None


@dataclass(frozen=True)
class CalendarWindow:
    starts_at: datetime
    ends_at: datetime
    local_day: date
    local_start: str
    """HH:MM in the point's zone."""
    capacity: int
    booked: int
    closed: str | None
    """The closure's reason when the point is closed that day."""
    past: bool
    mine: tuple[PlanSlot, ...] = field(default=())
    others: int = 0
    """Places taken by plans this officer may not open: shown only as "booked"."""

    @property
    def free(self) -> int:
        return 0 if self.closed or self.past else max(self.capacity - self.booked, 0)
