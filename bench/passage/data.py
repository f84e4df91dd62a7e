"""The passage benchmark's world, all synthetic: officers of five desks and the coordination
cell (`accounts.service.add_officer`), 50 handover points with hours, units and closures made by
the cell through `passage.points`, and 10,000 plans over the year to come.

The plans are written as `bench.cases` writes its 100,000 cases: bulk Core inserts on a session
marked `binding.as_system`. Booked one by one through `passage.plans.book`, 10,000 took about
3.5 minutes of the 5 a run may take on this machine, so the bench builds the rows that service
leaves itself (`plan_rows`: the details sealed to the desk's and the cell's keys under a fresh
content key, the case's labels with the cell released, the case events; for a share, the
approval bound to `approvals.content_hash`), with one counter row per window holding exactly
the places its plans take. No audit entries are written for them (as for `bench.cases`). Each
plan's case is cleared (passage planned once approved), with a sealed claimed identity and a
`case:open` event. `run.check_seeded` opens a sample of the plans through the service to show
they are what it would have written.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from json import dumps
from typing import Any, TypeVar

from sqlalchemy import insert

from homeward.accounts import service as accounts_service
from homeward.accounts.service import Keyring, NewOfficer
from homeward.audit import service as audit
from homeward.cases.identity import ClaimedIdentity
from homeward.cases.models import Case, CaseEvent
from homeward.cases.states import Stage
from homeward.core.db import Base, Database, new_id, utcnow
from homeward.crypto import sealing
from homeward.crypto.keys import ServerSecrets
from homeward.passage import approvals, points
from homeward.passage import hours as clock
from homeward.passage.models import (
    APPROVED,
    BOOKED,
    HandoverWindow,
    PassagePlan,
    PassagePlanApproval,
    PassagePlanWrap,
)
from homeward.passage.schemas import PlanDetails, PointData
from homeward.policy import binding
from homeward.policy.labels import Classification, decode_release, encode_release
from homeward.policy.roles import Role

T = TypeVar("T")
CELL = "IRQ"
NATIONS: dict[str, int] = {"USA": 30, "GBR": 22, "FRA": 20, "DEU": 15, "CAN": 13}
"""The desks that plan passages, and their share of the plans."""
LEVELS: dict[Classification, int] = {
    Classification.UNCLASSIFIED: 30,
    Classification.RESTRICTED: 70,
}
"""A plan is released to the cell, which is released nothing above RESTRICTED (the default
`coordination_max_classification`): a case marked higher gets no plan."""
RELEASED_SHARE = 0.15
"""Cases released to one other desk: that desk's calendar shows their plans as "booked"."""
APPROVED_SHARE = 0.3
"""Plans a supervisor of the desk has approved (the case then moves to passage planned)."""
BATCH_CASES = 2_000
DAYS = 365
POINT_SKEW = 0.8
"""Point k (from 1) gets plans in proportion to 1 / k**0.8: a few busy crossings, many quiet."""

# Opening-hour patterns (weekday 0 is Monday), the share of points with each, window length.
SUNDAY_TO_THURSDAY = {d: [("08:00", "12:00"), ("13:00", "16:00")] for d in (6, 0, 1, 2, 3)}
EVERY_DAY = {d: [("07:00", "15:00")] for d in range(7)}
MONDAY_TO_SATURDAY = {d: [("09:00", "17:00")] for d in range(6)}
PATTERNS: tuple[tuple[dict[int, list[tuple[str, str]]], int, int], ...] = (
    (SUNDAY_TO_THURSDAY, 60, 60),
    (EVERY_DAY, 30, 25),
    (MONDAY_TO_SATURDAY, 120, 15),
)
ZONES = {"Asia/Baghdad": 80, "Europe/Istanbul": 10, "Asia/Amman": 10}
KINDS = ("crossing", "gate", "reception centre", "checkpoint", "liaison office")
INSTRUCTIONS = (
    "Walk to the second gate with hands visible.",
    "Wait at the bus shelter until the liaison officer says your name.",
    "Carry nothing that could be mistaken for a weapon.",
    "Come alone; the officer will bring water and a phone.",
    "Show the card with the plan's number to the first guard, nothing else.",
)


def _weighted(rng: random.Random, weights: dict[T, int]) -> T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass(frozen=True)
class Officer:
    username: str
    password: str
    officer_id: str
    keyring: Keyring


@dataclass
class Point:
    """A point as made through the service, with its windows of the year to come (open days
    only) and the places taken, kept in memory to pick windows with room."""

    id: str
    name: str
    zone: str
    capacity: int
    window_minutes: int
    units: list[str]
    windows: list[datetime] = field(default_factory=list)
    booked: dict[datetime, int] = field(default_factory=dict)
    closed_days: int = 0

    def has_room(self, starts_at: datetime) -> bool:
        return self.booked.get(starts_at, 0) < self.capacity


@dataclass
class World:
    desks: dict[str, Officer]
    """The measured desk officer of each nation (cleared SECRET)."""
    supervisors: dict[str, Officer]
    cell: Officer
    points: list[Point]
    first_day: date
    """Tomorrow in Baghdad: the first local date of the year of windows."""
    spare: dict[str, list[str]] = field(default_factory=dict)
    """Cleared cases of each desk with no plan: the measured bookings and the races take them."""
    plans: int = 0
    approved: int = 0

    def take_case(self, nation: str) -> str:
        if not self.spare[nation]:
            raise SystemExit(f"the bench ran out of spare cleared cases of {nation}")
        return self.spare[nation].pop()


def add_officers(db: Database, server: ServerSecrets, cost: sealing.KdfCost) -> World:
    """Default desks; per planning desk a desk officer and a supervisor, and the cell's
    coordinator, through `accounts.service.add_officer` at the given Argon2id cost."""
    made: dict[str, Officer] = {}
    with db.transaction() as session:
        accounts_service.ensure_default_desks(session=session)
        wanted = [(n, Role.DESK_OFFICER, "") for n in NATIONS]
        wanted += [(n, Role.SUPERVISOR, ".supervisor") for n in NATIONS]
        wanted.append((CELL, Role.COORDINATOR, ""))
        for nation, role, suffix in wanted:
            username, password = f"bench.{nation.lower()}{suffix}", secrets.token_urlsafe(18)
            officer, _uri = accounts_service.add_officer(
                session=session,
                secrets=server,
                cost=cost,
                actor=audit.SYSTEM,
                data=NewOfficer(username, password, role, nation, int(Classification.SECRET)),
            )
            keyring = accounts_service.unlock(officer=officer, password=password, cost=cost)
            made[username] = Officer(username, password, officer.id, keyring)
        for member in made.values():  # colleagues receive the desk key, as on a sign-in
            accounts_service.grant_pending_keys(session=session, keyring=member.keyring)
    return World(
        desks={n: made[f"bench.{n.lower()}"] for n in NATIONS},
        supervisors={n: made[f"bench.{n.lower()}.supervisor"] for n in NATIONS},
        cell=made[f"bench.{CELL.lower()}"],
        points=[],
        first_day=clock.local(utcnow(), clock.zone("Asia/Baghdad"))[0] + timedelta(days=1),
    )


def make_points(db: Database, world: World, rng: random.Random, count: int) -> None:
    """`count` points through `points.create_point` by the cell, 0 to 3 closures each through
    `points.add_closure`; then each point's windows of the year, closed days left out."""
    principal = world.cell.keyring.principal
    with db.transaction() as session:
        for number in range(1, count + 1):
            pattern = rng.choices(PATTERNS, weights=[p[2] for p in PATTERNS])[0]
            hours, minutes = pattern[0], pattern[1]
            units = [f"Reception unit {number}", *([f"Medical team {number}"] * rng.randint(0, 1))]
            made = points.create_point(
                session=session,
                principal=principal,
                data=PointData(
                    name=f"Point {number:02d} {rng.choice(KINDS)}",
                    area=f"District {rng.randint(1, 18)}",
                    units=units,
                    hours=hours,
                    capacity=rng.randint(2, 8),
                    window_minutes=minutes,
                    time_zone=_weighted(rng, ZONES),
                ),
            )
            point = Point(made.id, made.name, made.time_zone, made.capacity, minutes, units)
            closed: set[date] = set()
            for _ in range(rng.randint(0, 3)):
                first = world.first_day + timedelta(days=rng.randint(0, DAYS - 10))
                last = first + timedelta(days=rng.randint(0, 9))
                points.add_closure(
                    session=session,
                    principal=principal,
                    point_id=made.id,
                    first_day=first,
                    last_day=last,
                    reason="Road works on the approach",
                )
                closed |= {first + timedelta(days=d) for d in range((last - first).days + 1)}
            weekly = points.weekly_hours(made)
            tz = clock.zone(made.time_zone)
            for offset in range(DAYS):
                day = world.first_day + timedelta(days=offset)
                if day in closed:
                    point.closed_days += 1
                    continue
                point.windows += [s for s, _e in clock.windows_on(weekly, minutes, tz, day)]
            world.points.append(point)


def case_rows(
    rng: random.Random, server: ServerSecrets, officer: Officer, nation: str, number: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One cleared case as open_case and the way to `cleared` would leave it (name tokens,
    labels and notes left out: nothing here reads them)."""
    others = [code for code in NATIONS if code != nation]
    release = [rng.choice(others)] if rng.random() < RELEASED_SHARE else []
    identity = ClaimedIdentity(
        given_names=rng.choice(("Karim", "Amira", "Yusuf", "Lina", "Omar", "Sara", "Hadi")),
        family_name=f"Synthetic{rng.randint(1, 99_999)}",
        date_of_birth=str(rng.randint(1960, 2004)),
        nationalities=[nation],
    ).checked()
    now = utcnow()
    created = now - timedelta(days=rng.uniform(30, 400))
    case_id = new_id()
    case = {
        "id": case_id,
        "reference": f"{nation}-{created.year}-{number:06d}",
        "owner_nation": nation,
        "classification": int(_weighted(rng, LEVELS)),
        "release": encode_release(release),
        "stage": Stage.CLEARED.value,
        "stage_entered_at": now - timedelta(days=rng.uniform(0, 20)),
        "created_at": created,
        "updated_at": now,
        "identity_sealed": identity.seal(server),
    }
    opened = {
        "id": new_id(),
        "case_id": case_id,
        "at": created,
        "actor_id": officer.officer_id,
        "actor_name": officer.username,
        "kind": "case:open",
        "from_stage": None,
        "to_stage": Stage.NEW.value,
        "detail_sealed": None,
    }
    return case, opened


def details(rng: random.Random, point: Point) -> PlanDetails:
    return PlanDetails(
        receiving_unit=rng.choice(point.units),
        accompanied_by="Liaison officer of the desk",
        bring="Identity papers if any, medicines, one bag",
        fallback="The same window the next open day",
        instructions=rng.choice(INSTRUCTIONS),
    )


def pick_window(rng: random.Random, point: Point, *, empty: bool = False) -> datetime:
    """A window of the point with a free place (with `empty`, one nobody has booked yet)."""
    for _ in range(10_000):
        starts_at = rng.choice(point.windows)
        if point.booked.get(starts_at, 0) == 0 if empty else point.has_room(starts_at):
            return starts_at
    raise SystemExit(f"{point.name}: no window with room found")


def plan_targets(rng: random.Random, world: World, count: int) -> Iterator[tuple[Point, datetime]]:
    """Where each seeded plan goes: points skewed by POINT_SKEW, windows at random."""
    weights = [1 / (rank**POINT_SKEW) for rank in range(1, len(world.points) + 1)]
    for _ in range(count):
        point = rng.choices(world.points, weights=weights)[0]
        starts_at = pick_window(rng, point)
        point.booked[starts_at] = point.booked.get(starts_at, 0) + 1
        yield point, starts_at


@dataclass(frozen=True)
class DeskKeys:
    """The current key of each desk (id and public key): what a plan is sealed to."""

    keys: dict[str, tuple[str, bytes]]

    @classmethod
    def load(cls, db: Database) -> DeskKeys:
        found = {}
        with db.transaction() as session:
            for code in [*NATIONS, CELL]:
                key = accounts_service.current_desk_key(session=session, desk_code=code)
                if key is None:
                    raise SystemExit(f"{code} has no desk key")
                found[code] = (key.id, key.public_key)
        return cls(found)


def _event(
    case_id: str, officer: Officer, kind: str, at: datetime, sealed: bytes
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "case_id": case_id,
        "at": at,
        "actor_id": officer.officer_id,
        "actor_name": officer.username,
        "kind": kind,
        "from_stage": None,
        "to_stage": None,
        "detail_sealed": sealed,
    }


def plan_rows(
    rng: random.Random,
    *,
    server: ServerSecrets,
    world: World,
    keys: DeskKeys,
    case: dict[str, Any],
    point: Point,
    starts_at: datetime,
) -> dict[str, list[dict[str, Any]]]:
    """The rows `plans.book` (and, for APPROVED_SHARE of them, `approvals.approve`) leave for
    one plan: the details under a fresh content key sealed to the owning desk's key and the
    cell's, the case's labels with the cell released, a case event for each step."""
    nation = case["owner_nation"]
    officer, at = world.desks[nation], utcnow()
    content_key = sealing.random_bytes()
    plan = PassagePlan(
        id=new_id(),
        case_id=case["id"],
        point_id=point.id,
        window_starts_at=starts_at,
        window_ends_at=starts_at + timedelta(minutes=point.window_minutes),
        status=BOOKED,
        body=sealing.encrypt(content_key, details(rng, point).to_bytes()),
        authors=f",{officer.officer_id},",
    )
    window = plan.window_starts_at.isoformat()
    said = {"plan": plan.id, "point": point.name, "window": window}
    rows: dict[str, list[dict[str, Any]]] = {
        "plans": [],
        "wraps": [
            {
                "plan_id": plan.id,
                "desk_key_id": keys.keys[code][0],
                "sealed_key": sealing.seal(keys.keys[code][1], content_key),
            }
            for code in (nation, CELL)
        ],
        "approvals": [],
        "events": [
            _event(case["id"], officer, "passage:plan:book", at, server.seal_field(json(said)))
        ],
    }
    if rng.random() < APPROVED_SHARE:
        digest = approvals.content_hash(plan)
        supervisor = world.supervisors[nation]
        plan.status, case["stage"] = APPROVED, Stage.PASSAGE_PLANNED.value
        rows["approvals"].append(
            {
                "id": new_id(),
                "plan_id": plan.id,
                "approver_id": supervisor.officer_id,
                "content_hash": digest,
                "approved_at": at,
                "voided_at": None,
                "voided_by": None,
                "void_reason": None,
            }
        )
        approved = {"plan": plan.id, "hash": digest.hex()}
        rows["events"].append(
            _event(
                case["id"],
                supervisor,
                "passage:plan:approve",
                at,
                server.seal_field(json(approved)),
            )
        )
    rows["plans"].append(
        {
            "id": plan.id,
            "case_id": plan.case_id,
            "point_id": plan.point_id,
            "window_starts_at": plan.window_starts_at,
            "window_ends_at": plan.window_ends_at,
            "status": plan.status,
            "body": plan.body,
            "authors": plan.authors,
            "owner_nation": nation,
            "classification": case["classification"],
            "release": encode_release([*decode_release(case["release"]), CELL]),
            "created_at": at,
            "updated_at": at,
        }
    )
    return rows


def json(detail: dict[str, str]) -> str:
    return dumps(detail, ensure_ascii=False)


TABLES = {
    name: Base.metadata.tables[model.__tablename__]
    for name, model in (
        ("cases", Case),
        ("events", CaseEvent),
        ("plans", PassagePlan),
        ("wraps", PassagePlanWrap),
        ("approvals", PassagePlanApproval),
        ("windows", HandoverWindow),
    )
}


def seed_plans(
    db: Database, server: ServerSecrets, world: World, rng: random.Random, count: int
) -> dict[str, Any]:
    """`count` plans over the points (skewed by POINT_SKEW) and the year, each for a cleared
    case of its own, written with bulk Core inserts BATCH_CASES at a time; then one counter
    row per window booked, holding exactly the places its plans take."""
    keys = DeskKeys.load(db)
    targets = list(plan_targets(rng, world, count))
    started = time.perf_counter()
    number = 0
    for first in range(0, count, BATCH_CASES):
        batch: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
        for point, starts_at in targets[first : first + BATCH_CASES]:
            number += 1
            nation = _weighted(rng, NATIONS)
            case, opened = case_rows(rng, server, world.desks[nation], nation, number)
            for name, rows in plan_rows(
                rng,
                server=server,
                world=world,
                keys=keys,
                case=case,
                point=point,
                starts_at=starts_at,
            ).items():
                batch[name] += rows
            batch["cases"].append(case)
            batch["events"].append(opened)
            world.approved += case["stage"] == Stage.PASSAGE_PLANNED.value
        _insert(db, batch, "benchmark set-up: bulk synthetic plans")
    windows = [
        {
            "point_id": point.id,
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(minutes=point.window_minutes),
            "capacity": point.capacity,
            "booked": booked,
        }
        for point in world.points
        for starts_at, booked in point.booked.items()
    ]
    for first in range(0, len(windows), BATCH_CASES):
        _insert(db, {"windows": windows[first : first + BATCH_CASES]}, "benchmark set-up")
    world.plans += count
    seconds = time.perf_counter() - started
    return {
        "plans": count,
        "approved": world.approved,
        "windows_booked": len(windows),
        "seconds": round(seconds, 1),
        "plans_per_second": round(count / seconds),
    }


def _insert(db: Database, batch: dict[str, list[dict[str, Any]]], why: str) -> None:
    with db.transaction() as session:
        binding.as_system(session, why)
        for name, table in TABLES.items():
            if batch.get(name):
                session.execute(insert(table), batch[name])


def spare_cases(
    db: Database, server: ServerSecrets, world: World, rng: random.Random, count: int
) -> None:
    """`count` cleared cases with no plan, as many for each desk, for the measured bookings
    and the races."""
    world.spare = {nation: [] for nation in NATIONS}
    for first in range(0, count, BATCH_CASES):
        batch: dict[str, list[dict[str, Any]]] = {"cases": [], "events": []}
        for number in range(first, min(first + BATCH_CASES, count)):
            nation = list(NATIONS)[number % len(NATIONS)]  # the desks take turns with them
            case, opened = case_rows(rng, server, world.desks[nation], nation, 900_000 + number)
            batch["cases"].append(case)
            batch["events"].append(opened)
            world.spare[nation].append(case["id"])
        _insert(db, batch, "benchmark set-up: bulk synthetic cleared cases")
