"""The rules both handovers confirmed twice share (cases/confirmed_twice.py), and the words each
refuses a side's word with: a plan's handover and a child's to child protection keep their own
bounds and wording though one piece of code checks them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from homeward.cases import confirmed_twice
from homeward.cases.confirmed_twice import (
    CONFIRMED,
    DISPUTED,
    NOT_HAPPENED,
    PENDING,
    SideView,
    state_of,
)
from homeward.core.errors import BadInput
from homeward.households import child_protection as cp
from homeward.households import child_protection_models
from homeward.passage import custody_models, handovers
from homeward.passage.models import PassagePlan

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _word(side: str, *, happened: bool, superseded: bool = False) -> SimpleNamespace:
    return SimpleNamespace(
        side=side,
        officer_id=f"officer-{side}",
        happened=happened,
        confirmed_at=NOW,
        superseded_at=NOW if superseded else None,
    )


def test_the_two_handovers_store_the_same_states_and_sides() -> None:
    for models in (custody_models, child_protection_models):
        assert (models.PENDING, models.CONFIRMED, models.DISPUTED, models.NOT_HAPPENED) == (
            PENDING,
            CONFIRMED,
            DISPUTED,
            NOT_HAPPENED,
        )
        assert (models.DESK, models.CELL) == (confirmed_twice.DESK, confirmed_twice.CELL)
    assert handovers.STATE_WORDS is cp.STATE_WORDS is confirmed_twice.STATE_WORDS


@pytest.mark.parametrize(
    ("desk", "cell", "state"),
    [
        (None, True, PENDING),
        (True, True, CONFIRMED),
        (False, False, NOT_HAPPENED),
        (True, False, DISPUTED),
        (False, True, DISPUTED),
    ],
)
def test_the_state_follows_both_words(desk: bool | None, cell: bool, state: str) -> None:
    words = {"cell": _word("cell", happened=cell)}
    if desk is not None:
        words["desk"] = _word("desk", happened=desk)
    assert state_of(words) == state


def test_a_superseded_word_no_longer_stands() -> None:
    found = SimpleNamespace(
        confirmations=[
            _word("desk", happened=False, superseded=True),
            _word("desk", happened=True),
            _word("cell", happened=True),
        ]
    )
    standing = confirmed_twice.live(found)
    assert {side: word.happened for side, word in standing.items()} == {"desk": True, "cell": True}
    assert confirmed_twice.live(None) == {}


def test_a_side_confirms_once_and_again_only_while_disputed() -> None:
    said = SideView("desk", "fra.officer", True, NOW, "x", "", NOW, 0)
    assert confirmed_twice.may_confirm("cell", PENDING, {"desk": said})
    assert not confirmed_twice.may_confirm("desk", PENDING, {"desk": said})
    assert confirmed_twice.may_confirm("desk", DISPUTED, {"desk": said})
    assert not confirmed_twice.may_confirm("desk", CONFIRMED, {"desk": said})
    assert not confirmed_twice.may_confirm(None, PENDING, {})


def _passage(**fields: object) -> dict[str, str | bool | None]:
    plan = PassagePlan(created_at=NOW - timedelta(days=2))
    return handovers.HandoverWord(**fields).checked(plan=plan, now=NOW)  # type: ignore[arg-type]


def _child(**fields: object) -> dict[str, str | bool | None]:
    return cp.Word(**fields).checked(now=NOW)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("check", "fields", "error", "message"),
    [
        (_passage, {"happened": False}, BadInput, "note: it is empty"),
        (_child, {"happened": False}, BadInput, "note: it is needed"),
        (_passage, {"happened": True}, handovers.HandoverRefused, "say when the handover happened"),
        (_child, {"happened": True}, BadInput, "say when the child was handed over"),
        (
            _passage,
            {"happened": True, "happened_at": datetime(2026, 12, 7, 11)},
            handovers.HandoverRefused,
            "give the time with its time zone",
        ),
        (
            _passage,
            {"happened": True, "happened_at": NOW + timedelta(minutes=1)},
            handovers.HandoverRefused,
            "the time is in the future",
        ),
        (
            _passage,
            {"happened": True, "happened_at": NOW - timedelta(days=3)},
            handovers.HandoverRefused,
            "the time is before the plan was booked",
        ),
        (
            _child,
            {"happened": True, "happened_at": NOW - timedelta(days=367)},
            BadInput,
            "the time is more than a year ago",
        ),
        (
            _passage,
            {"happened": True, "happened_at": NOW, "received_by": "x" * 121},
            BadInput,
            "received_by: longer than 120 characters",
        ),
        (
            _child,
            {"happened": True, "happened_at": NOW, "received_by": " "},
            BadInput,
            "received_by: it is needed",
        ),
    ],
)
def test_each_handover_refuses_a_word_in_its_own_words(
    check: object, fields: dict[str, object], error: type[BadInput], message: str
) -> None:
    with pytest.raises(error, match=message) as refused:
        check(**fields)  # type: ignore[operator]
    if error is BadInput:
        assert type(refused.value) is BadInput


def test_a_word_that_happened_is_sealed_as_said() -> None:
    at = NOW - timedelta(hours=1)
    said = {"happened": True, "happened_at": at.isoformat(), "received_by": "Unit 4", "note": ""}
    assert _passage(happened=True, happened_at=at, received_by=" Unit 4 ") == said
    assert _child(happened=True, happened_at=at, received_by="Unit 4") == said
    assert _child(happened=False, note=" no show ", received_by="ignored") == {
        "happened": False,
        "happened_at": None,
        "received_by": "",
        "note": "no show",
    }
