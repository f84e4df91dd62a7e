"""What the passage benchmark times: a booking through `passage.plans.book` (rolled back, and
committed), a week of a point's calendar through `passage.calendar.calendar` and as the page
over HTTP, and officers racing for the last place of a window."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from bench.harness.machine import backend_cpu, machine_cpu
from bench.harness.server import LOOPBACK
from bench.harness.stats import percentiles
from bench.passage import data
from bench.passage.data import World
from homeward.accounts import service as accounts_service
from homeward.core.db import Database
from homeward.core.settings import Settings
from homeward.crypto.keys import ServerSecrets
from homeward.passage import calendar, plans
from homeward.passage.exceptions import WindowFull
from homeward.passage.models import HandoverWindow, PassagePlan
from homeward.policy import binding
from homeward.web.security import OFFICER_COOKIE

WEEK = 7
SETTINGS = Settings()
"""The programme defaults: what the booking check applies (the cell's level among them)."""


class StatementCounter:
    """How many statements each call sends to the database."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "after_cursor_execute", self._after)

    def _after(self, *_args: Any) -> None:
        self.count += 1

    def reset(self) -> int:
        taken, self.count = self.count, 0
        return taken


@dataclass
class Load:
    """CPU used on the machine during a timed phase by anything but this process and its
    PostgreSQL backends: other people's work, which skews the figures (a share of all cores)."""

    database_name: str | None
    other_share: float = 0.0

    @contextmanager
    def measured(self) -> Iterator[None]:
        busy, total = machine_cpu()
        own = time.process_time()
        backends = backend_cpu(self.database_name) if self.database_name else 0.0
        yield
        busy_after, total_after = machine_cpu()
        ours = time.process_time() - own
        if self.database_name:
            ours += backend_cpu(self.database_name) - backends
        other = busy_after - busy - ours
        self.other_share = round(max(0.0, other) / max(1e-9, total_after - total), 3)


@dataclass
class Bench:
    db: Database
    server: ServerSecrets
    world: World
    database_name: str | None
    counter: StatementCounter = field(init=False)

    def __post_init__(self) -> None:
        self.counter = StatementCounter(self.db.engine)

    def nation(self, number: int) -> str:
        return list(data.NATIONS)[number % len(data.NATIONS)]

    def book(self, nation: str, case_id: str, point: data.Point, starts_at: datetime) -> None:
        """One booking as the booking form makes it: its own transaction, committed."""
        with self.db.transaction() as session:
            self.book_in(session, nation, case_id, point, starts_at)
        point.booked[starts_at] = point.booked.get(starts_at, 0) + 1

    def book_in(
        self, session: Any, nation: str, case_id: str, point: data.Point, starts_at: datetime
    ) -> None:
        """The service call itself, in the caller's transaction."""
        plans.book(
            session=session,
            principal=self.world.desks[nation].keyring.principal,
            secrets=self.server,
            settings=SETTINGS,
            case_id=case_id,
            point_id=point.id,
            starts_at=starts_at,
            details=data.details(random.Random(case_id), point),
        )


def _timed(
    bench: Bench, count: int, warm_up: int, call: Callable[[int], None]
) -> tuple[list[float], float, float]:
    """(seconds per timed call, statements per call, other work's share of the machine)."""
    for number in range(warm_up):
        call(number)
    bench.counter.reset()
    load = Load(bench.database_name)
    taken = []
    with load.measured():
        for number in range(warm_up, warm_up + count):
            began = time.perf_counter()
            call(number)
            taken.append(time.perf_counter() - began)
    return taken, bench.counter.reset() / count, load.other_share


def booking(bench: Bench, rng: random.Random, count: int, warm_up: int) -> dict[str, Any]:
    """`plans.book` on a spare cleared case, at a random point and a window with room.
    *Rolled back*: the check and the reservation (every statement up to the counter's UPDATE
    and the plan's insert), then a rollback, so nothing is used up and the audit entry is
    never appended. *Committed*: the whole booking as an officer waits for it, commit and the
    audit log's Merkle append included, each on a case of its own."""
    world = bench.world

    def rolled_back(number: int) -> None:
        nation = bench.nation(number)
        case_id = world.spare[nation][-1 - number % 100]
        point = rng.choice(world.points)
        starts_at = data.pick_window(rng, point)
        session = bench.db.sessions()
        try:
            bench.book_in(session, nation, case_id, point, starts_at)
        finally:
            session.rollback()
            session.close()

    def committed(number: int) -> None:
        nation = bench.nation(number)
        point = rng.choice(world.points)
        bench.book(nation, world.take_case(nation), point, data.pick_window(rng, point))

    back, back_statements, back_other = _timed(bench, count, warm_up, rolled_back)
    done, done_statements, done_other = _timed(bench, count, warm_up, committed)
    return {
        "rolled_back": {
            **percentiles(back),
            "statements_per_call": round(back_statements, 1),
            "other_share": back_other,
        },
        "committed": {
            **percentiles(done),
            "statements_per_call": round(done_statements, 1),
            "other_share": done_other,
        },
    }


def _week(rng: random.Random, world: World) -> tuple[data.Point, date]:
    return rng.choice(world.points), world.first_day + timedelta(
        days=rng.randint(0, data.DAYS - WEEK)
    )


def calendar_weeks(bench: Bench, rng: random.Random, count: int, warm_up: int) -> dict[str, Any]:
    """`calendar.calendar` for one point and seven local days from a random date of the year,
    as the page calls it, in a transaction of its own; the desk officers in turn."""
    shown: list[tuple[int, int, int]] = []

    def one(number: int) -> None:
        nation = bench.nation(number)
        point, first = _week(rng, bench.world)
        with bench.db.transaction() as session:
            windows = calendar.calendar(
                session=session,
                principal=bench.world.desks[nation].keyring.principal,
                point_id=point.id,
                first_day=first,
                days=WEEK,
            )
        mine = sum(len(window.mine) for window in windows)
        shown.append((len(windows), mine, sum(window.others for window in windows)))

    taken, statements, other = _timed(bench, count, warm_up, one)
    timed = shown[warm_up:]
    return {
        **percentiles(taken),
        "statements_per_call": round(statements, 1),
        "other_share": other,
        "mean_windows": round(sum(s[0] for s in timed) / len(timed), 1),
        "mean_own_plans": round(sum(s[1] for s in timed) / len(timed), 2),
        "mean_booked_by_others": round(sum(s[2] for s in timed) / len(timed), 2),
        "max_places_booked": max(s[1] + s[2] for s in timed),
    }


def calendar_pages(
    bench: Bench, port: int, rng: random.Random, count: int, warm_up: int
) -> dict[str, Any]:
    """GET /officer/passage/points/{id}/calendar?week=..., the whole HTML page read, from the
    real server; each desk officer signs in once (password and TOTP code) and the officers
    take turns, as in `calendar_weeks`."""
    world = bench.world
    with bench.db.transaction() as session:
        codes = {}
        for nation, officer in world.desks.items():
            found = accounts_service.get_officer(session=session, officer_id=officer.officer_id)
            assert found is not None
            codes[nation] = accounts_service.totp_now(secrets=bench.server, officer=found)
    bench.db.dispose()  # the server holds the database alone meanwhile (one SQLite writer)
    taken: list[float] = []
    sizes: list[int] = []
    load = Load(bench.database_name)
    with httpx.Client(base_url=f"http://{LOOPBACK}:{port}", trust_env=False, timeout=30) as client:
        tokens = {}
        for nation, officer in world.desks.items():
            answer = client.post(
                "/api/v1/auth/token",
                json={
                    "username": officer.username,
                    "password": officer.password,
                    "code": codes[nation],
                },
            )
            answer.raise_for_status()
            tokens[nation] = answer.json()["token"]
        with load.measured():
            for number in range(warm_up + count):
                point, first = _week(rng, world)
                path = f"/officer/passage/points/{point.id}/calendar"
                began = time.perf_counter()
                answer = client.get(
                    path,
                    params={"week": first.isoformat()},
                    cookies={OFFICER_COOKIE: tokens[bench.nation(number)]},
                )
                took = time.perf_counter() - began
                client.cookies.clear()
                if answer.status_code != 200 or point.name not in answer.text:
                    raise SystemExit(f"{path} answered {answer.status_code}")
                if number >= warm_up:
                    taken.append(took)
                    sizes.append(len(answer.content))
    return {
        "page": "/officer/passage/points/{id}/calendar?week=YYYY-MM-DD",
        "server": "homeward serve (uvicorn, one process) on 127.0.0.1, httpx client",
        **percentiles(taken),
        "other_share": load.other_share,
        "mean_page_bytes": round(sum(sizes) / len(sizes)),
    }


# --- the race ------------------------------------------------------------------------------


@dataclass
class Attempt:
    outcome: str = "not run"
    began: float = 0.0
    ended: float = 0.0


@dataclass(frozen=True)
class Round:
    """One measured round: the window's capacity, every racer's attempt, and the window's
    counter and plans counted afterwards."""

    capacity: int
    attempts: list[Attempt]
    counter_after: int
    plans_after: int

    @property
    def won(self) -> int:
        return sum(a.outcome == "won" for a in self.attempts)

    @property
    def seconds(self) -> float:
        """From the first racer's release to the last one's answer."""
        return max(a.ended for a in self.attempts) - min(a.began for a in self.attempts)


def _one_round(
    bench: Bench, connections: list[Database], point: data.Point, starts_at: datetime
) -> list[Attempt]:
    """One racer per connection, each booking a case of its own desk (the desks in turn) in
    its own transaction; a barrier releases them together."""
    world = bench.world
    racers = len(connections)
    entrants = [(bench.nation(n), world.take_case(bench.nation(n))) for n in range(racers)]
    barrier = threading.Barrier(racers)
    attempts = [Attempt() for _ in range(racers)]

    def racer(number: int) -> None:
        attempt, (nation, case_id) = attempts[number], entrants[number]
        try:
            with connections[number].transaction() as session:
                barrier.wait(timeout=60)
                attempt.began = time.perf_counter()
                bench.book_in(session, nation, case_id, point, starts_at)
            attempt.outcome = "won"
        except WindowFull:
            attempt.outcome = "full"
        except Exception as exc:
            attempt.outcome = type(exc).__name__
        attempt.ended = time.perf_counter()

    threads = [threading.Thread(target=racer, args=(n,)) for n in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return attempts


def _window_after(bench: Bench, point: data.Point, starts_at: datetime) -> tuple[int, int]:
    """(the counter's places booked, plans in the window): must both be the capacity."""
    with bench.db.transaction() as session:
        binding.as_system(session, "benchmark: the window after a race")
        booked = session.scalar(
            select(HandoverWindow.booked).where(
                HandoverWindow.point_id == point.id, HandoverWindow.starts_at == starts_at
            )
        )
        plans_there = session.scalar(
            select(func.count())
            .select_from(PassagePlan)
            .where(PassagePlan.point_id == point.id, PassagePlan.window_starts_at == starts_at)
        )
    return int(booked or 0), int(plans_there or 0)


def race(
    bench: Bench, rng: random.Random, racers: int, rounds: int, *, own_connections: bool
) -> dict[str, Any]:
    """`rounds` rounds (after one warm-up round): an empty window of a random point is filled
    to its last place through the service, then `racers` officers book it at once. With
    `own_connections` each racer has a Database (engine and connection) of its own, as
    separate server processes would; without, they share the bench's, as the requests of one
    server process do (on SQLite that pool is one connection, so they queue for it)."""
    connections = (
        [Database(bench.db.url) for _ in range(racers)] if own_connections else [bench.db] * racers
    )
    measured: list[Round] = []
    try:
        for number in range(rounds + 1):
            point = rng.choice(bench.world.points)
            starts_at = data.pick_window(rng, point, empty=True)
            for place in range(point.capacity - 1):
                nation = bench.nation(place)
                bench.book(nation, bench.world.take_case(nation), point, starts_at)
            attempts = _one_round(bench, connections, point, starts_at)
            won = sum(a.outcome == "won" for a in attempts)
            point.booked[starts_at] = point.booked.get(starts_at, 0) + won
            booked, plans_there = _window_after(bench, point, starts_at)
            if number > 0:
                measured.append(Round(point.capacity, attempts, booked, plans_there))
    finally:
        if own_connections:
            for connection in connections:
                connection.dispose()
    every = [a for one in measured for a in one.attempts]
    errors = Counter(a.outcome for a in every if a.outcome not in {"won", "full"})
    winners = [a.ended - a.began for a in every if a.outcome == "won"]
    losers = [a.ended - a.began for a in every if a.outcome == "full"]
    return {
        "racers": racers,
        "own_connections": own_connections,
        "rounds": len(measured),
        "attempts": len(every),
        "winners_per_round": [one.won for one in measured],
        "exactly_one_winner_every_round": all(one.won == 1 for one in measured),
        "refused_full": sum(a.outcome == "full" for a in every),
        "errors": dict(errors),
        "window_consistent_every_round": all(
            one.counter_after == one.plans_after == one.capacity for one in measured
        ),
        "capacities": [one.capacity for one in measured],
        "round": percentiles([one.seconds for one in measured]),
        "winner": percentiles(winners) if winners else None,
        "loser": percentiles(losers) if losers else None,
    }
