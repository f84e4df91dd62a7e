"""Partial dates of birth, as registries and contacts give them. Here, at the bottom, because
a registry's file and a case's claimed identity are checked by the same rule."""

from __future__ import annotations

import calendar
import re

from homeward.core.errors import BadInput

PARTIAL_DATE = re.compile(r"^(~)?(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def check_partial_date(value: str, field_name: str = "date_of_birth") -> str:
    """`YYYY-MM-DD`, `YYYY-MM`, `YYYY` or `~YYYY` (about); a real calendar date, not later
    than this year. Anything else, such as 31/02/1990, is refused naming the field."""
    value = value.strip()
    if not value:
        return ""
    match = PARTIAL_DATE.match(value)
    if not match:
        raise BadInput(field_name, f"{value!r} is not YYYY-MM-DD, YYYY-MM, YYYY or ~YYYY")
    year, month, day = (int(part) if part else None for part in match.groups()[1:])
    assert year is not None  # noqa: S101 - the pattern requires it
    if not 1900 <= year <= 2100:
        raise BadInput(field_name, f"year {year} is out of range")
    if month is not None and not 1 <= month <= 12:
        raise BadInput(field_name, f"{value!r} has no month {month}")
    if day is not None and month is not None:
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            raise BadInput(field_name, f"{value!r} is not a real date")
    return value
