"""Officers racing for the last place of a window: exactly one wins, on SQLite and on
PostgreSQL, round after round. Each officer books a different person in a transaction and
connection of its own, all released at once by a barrier; the database's conditional upsert of
the window's counter decides (there is no count in Python to race past)."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from homeward.core.runtime import Runtime
from homeward.passage import plans
from homeward.passage.exceptions import WindowFull
from homeward.passage.models import HandoverWindow, PassagePlan
from homeward.policy import binding
from tests import helpers
from tests.passage import world

RACERS = 8
ROUNDS = 3
CAPACITY = 3


def _race(
    runtime: Runtime,
    persona: helpers.Persona,
    point_id: str,
    case_ids: list[str],
    starts_at: object,
) -> tuple[int, int, list[BaseException]]:
    principal = world.principal(runtime, persona)
    barrier = threading.Barrier(len(case_ids))
    won, full, errors = [], [], []

    def racer(case_id: str) -> None:
        try:
            with runtime.db.transaction() as session:
                barrier.wait(timeout=30)
                plans.book(
                    session=session,
                    principal=principal,
                    secrets=runtime.secrets,
                    settings=runtime.settings,
                    case_id=case_id,
                    point_id=point_id,
                    starts_at=starts_at,  # type: ignore[arg-type]
                    details=world.details(),
                )
            won.append(case_id)
        except WindowFull:
            full.append(case_id)
        except BaseException as exc:  # reported by the test, not swallowed
            errors.append(exc)

    threads = [threading.Thread(target=racer, args=(case_id,)) for case_id in case_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return len(won), len(full), errors


def test_racers_for_the_last_place_exactly_one_wins(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra = personas["fra_officer"]
    point_id = world.make_point(runtime, personas["coordinator"], capacity=CAPACITY)
    day = world.day_ahead()
    for round_number in range(ROUNDS):
        starts_at = world.window(day, "08:00") + timedelta(hours=round_number)
        # All places but the last are taken beforehand.
        for _ in range(CAPACITY - 1):
            world.book(runtime, fra, world.cleared_case(runtime, fra), point_id, starts_at)
        racers = [world.cleared_case(runtime, fra, family=f"Racer{n}") for n in range(RACERS)]
        won, full, errors = _race(runtime, fra, point_id, racers, starts_at)
        assert errors == []
        assert (won, full) == (1, RACERS - 1), f"round {round_number}"
        with runtime.db.transaction() as session:
            binding.as_system(session, "test: the window after the race")
            counter = session.scalars(
                select(HandoverWindow).where(HandoverWindow.starts_at == starts_at)
            ).one()
            plans_there = session.scalar(
                select(func.count())
                .select_from(PassagePlan)
                .where(PassagePlan.window_starts_at == starts_at)
            )
        assert counter.booked == plans_there == CAPACITY


def test_racers_for_a_window_with_room_for_all_all_win(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    """The counter loses no place under contention: eight at once into a window for eight."""
    fra = personas["fra_officer"]
    point_id = world.make_point(runtime, personas["coordinator"], capacity=RACERS)
    starts_at = world.window(world.day_ahead(), "13:00")
    racers = [world.cleared_case(runtime, fra, family=f"Racer{n}") for n in range(RACERS)]
    won, full, errors = _race(runtime, fra, point_id, racers, starts_at)
    assert errors == []
    assert (won, full) == (RACERS, 0)
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: the window after the race")
        assert session.scalars(select(HandoverWindow.booked)).one() == RACERS
