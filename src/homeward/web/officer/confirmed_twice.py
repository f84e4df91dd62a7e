"""What the officer pages of the two handovers confirmed twice (cases/confirmed_twice.py) share:
a plan's handover (handover.py) and a child's handover to child protection
(child_protection.py). A side's word as its form sends it, times entered in UTC, a step run in
a savepoint so that a refusal stores nothing, and a refusal in words."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Annotated, TypeVar

from fastapi import Form
from sqlalchemy.orm import Session

from homeward.cases import confirmed_twice
from homeward.core.errors import BadInput, HomewardError

Csrf = Annotated[str, Form()]
YesNo = Annotated[str, Form(max_length=3)]
STAMP = "%Y-%m-%dT%H:%M"
W = TypeVar("W", bound=confirmed_twice.Word)


def when(value: str, field: str) -> datetime | None:
    """A `datetime-local` value read as UTC; empty is None."""
    if not value.strip():
        return None
    try:
        return datetime.strptime(value.strip(), STAMP).replace(tzinfo=UTC)
    except ValueError as exc:
        raise BadInput(field, "give a date and time as YYYY-MM-DD HH:MM (UTC)") from exc


def stamp(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime(STAMP) if at else ""


def yes_or_no(value: str) -> bool:
    if value not in ("yes", "no"):
        raise BadInput("happened", "say whether the handover happened")
    return value == "yes"


def typed_word(happened: str, happened_at: str, received_by: str, note: str) -> dict[str, str]:
    """The word as typed, to fill the form again when it is refused."""
    return {"happened": happened, "happened_at": happened_at, "received_by": received_by,
            "note": note}  # fmt: skip


def read_word(kind: type[W], typed: Mapping[str, str]) -> W:
    """The side's word from its form; refused in words when yes or no or the time is off."""
    return kind(
        happened=yes_or_no(typed["happened"]),
        happened_at=when(typed["happened_at"], "happened_at"),
        received_by=typed["received_by"],
        note=typed["note"],
    )


def attempt(session: Session, action: Callable[[], object]) -> BadInput | None:
    """Run one step in a savepoint: a refusal is returned, and nothing of it is stored."""
    try:
        with session.begin_nested():
            action()
    except BadInput as refusal:
        return refusal
    return None


def problem(refusal: HomewardError | None, field_words: Mapping[str, str]) -> str:
    """A refusal in words, the field as the form names it."""
    if refusal is None:
        return ""
    if isinstance(refusal, BadInput):
        return (
            f"{field_words.get(refusal.field, refusal.field.replace('_', ' '))}: {refusal.problem}"
        )
    return str(refusal)
