"""What the API of the two handovers confirmed twice (cases/confirmed_twice.py) shares: a plan's
handover (handover.py) and a child's handover to child protection (child_protection.py). A side's
word as shown, and a side's word as sent turned into the service's."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, TypeVar

from pydantic import BaseModel

from homeward.cases import confirmed_twice

W = TypeVar("W", bound=confirmed_twice.Word)


class SideFields(BaseModel):
    """A side's standing word (cases/confirmed_twice.py SideView); each API names its own
    model from it, so that the OpenAPI document keeps both."""

    side: str
    officer: str
    happened: bool
    happened_at: datetime | None
    received_by: str
    note: str
    confirmed_at: datetime
    revisions: int


class WordFields(Protocol):
    """A side's word as sent (each API bounds and describes its own)."""

    happened: bool
    happened_at: datetime | None
    received_by: str
    note: str


def word_of(kind: type[W], body: WordFields) -> W:
    return kind(
        happened=body.happened,
        happened_at=body.happened_at,
        received_by=body.received_by,
        note=body.note,
    )
