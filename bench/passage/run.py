"""Passage benchmark: 10,000 plans over 50 handover points and the year to come; the booking
check and a point's calendar week (p50/p95/p99), and officers racing for the last place of a
window (attempts, winners per round, time per round); SQLite and PostgreSQL.

.venv/bin/python -m bench.passage [--engine sqlite|postgresql|both] [--quick]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select, text

from bench.harness import server as harness_server
from bench.harness.machine import code_version, machine, wait_for_quiet
from bench.harness.readme import RESULTS_DIR, write_section
from bench.harness.server import database
from bench.passage import data, measure
from bench.passage.measure import Bench
from homeward import migrations
from homeward.core.db import Database, utcnow
from homeward.crypto import sealing
from homeward.crypto.keys import load_server_secrets
from homeward.passage import approvals, plans
from homeward.passage.models import APPROVED, CANCELLED, HandoverWindow, PassagePlan
from homeward.policy import binding

POSTGRES_URL = os.environ.get("HOMEWARD_BENCH_POSTGRES_URL", harness_server.DEFAULT_POSTGRES_URL)
AIM_BOOK_P99_MS = 20.0
AIM_PAGE_P99_MS = 50.0
SEED = 20261212
POINTS = 50
PLANS = 10_000
RACERS = (8, 16)
QUIET_WAIT_SECONDS = 90.0
"""Bounded, so that a run stays near five minutes an engine; the busy share is recorded."""
CHECKED_PLANS = 20
MOST_PLACES = 8
"""The largest capacity of a point (data.make_points): the most places filled before a race."""


@dataclass(frozen=True)
class Sizes:
    book_calls: int
    calendar_calls: int
    page_calls: int
    warm_up: int
    rounds: int

    @classmethod
    def make(cls, *, quick: bool) -> Sizes:
        if quick:
            return cls(book_calls=60, calendar_calls=60, page_calls=40, warm_up=10, rounds=3)
        return cls(book_calls=1000, calendar_calls=1000, page_calls=500, warm_up=50, rounds=20)

    def spare_cases(self) -> int:
        """Cases the committed bookings and the races use up, with room to spare."""
        races = 2 * sum((self.rounds + 1) * (racers + MOST_PLACES) for racers in RACERS)
        return int(1.2 * (self.warm_up + self.book_calls + races)) + 100


def check_seeded(bench: Bench) -> dict[str, Any]:
    """The bulk-written plans are what `plans.book` writes: a sample opens through
    `plans.open_plan` for the owning desk and for the cell (both keys), an approved one counts
    as approved (its hash binds the stored plan), and every window's counter holds exactly the
    places its plans take."""
    world = bench.world
    units = {point.id: point.units for point in world.points}
    with bench.db.transaction() as session:
        binding.as_system(session, "benchmark: a sample of the seeded plans")
        sample = session.execute(
            select(PassagePlan.id, PassagePlan.owner_nation, PassagePlan.status).limit(
                CHECKED_PLANS
            )
        ).all()
        booked = session.scalar(select(func.coalesce(func.sum(HandoverWindow.booked), 0)))
        live = session.scalar(
            select(func.count()).select_from(PassagePlan).where(PassagePlan.status != CANCELLED)
        )
    approved = 0
    for plan_id, owner, status in sample:
        for reader in (world.desks[owner], world.cell):
            with bench.db.transaction() as session:
                view = plans.open_plan(session=session, keyring=reader.keyring, plan_id=plan_id)
                if view.details.receiving_unit not in units[view.point_id]:
                    raise SystemExit(f"seeded plan {plan_id} does not open as booked")
                if view.approved != (status == APPROVED):
                    raise SystemExit(f"seeded plan {plan_id}: approval does not bind")
                approved += view.approved and reader is world.cell
        with bench.db.transaction() as session:
            binding.as_system(session, "benchmark: the approval hash of a seeded plan")
            plan = session.get(PassagePlan, plan_id)
            assert plan is not None
            if status == APPROVED and not approvals.is_approved(plan):
                raise SystemExit(f"seeded plan {plan_id}: approval does not bind")
    if booked != live:
        raise SystemExit(f"seeded counters hold {booked} places for {live} plans")
    return {"opened": len(sample), "approved_among_them": approved, "counters_match_plans": True}


@contextmanager
def serving(folder: Path, url: str) -> Iterator[int]:
    """`homeward serve` (uvicorn, one process) on a free loopback port, production settings
    but for the data directory and database; stopped afterwards."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("HOMEWARD_")}
    env.update({"HOMEWARD_DATA_DIR": str(folder), "HOMEWARD_DATABASE_URL": url})
    with harness_server.running_server(env, folder / "server.log") as (port, _pid):
        yield port


def run_engine(engine: str, sizes: Sizes, quick: bool) -> dict[str, Any]:
    print(f"[{engine}]", flush=True)
    rng = random.Random(SEED)
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        server = load_server_secrets(folder / "keys", create=True)
        with database(engine, POSTGRES_URL, folder, label="passage") as (url, pg_version):
            migrations.upgrade(url)
            db = Database(url)
            started = time.perf_counter()
            world = data.add_officers(db, server, sealing.OWASP)
            data.make_points(db, world, rng, POINTS)
            points_seconds = time.perf_counter() - started
            seeded = data.seed_plans(db, server, world, rng, PLANS)
            data.spare_cases(db, server, world, rng, sizes.spare_cases())
            print(f"  seeded {PLANS:,} plans in {seeded['seconds']} s", flush=True)
            if engine == "postgresql":
                # What autovacuum does to freshly loaded tables soon after.
                with db.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT"
                ) as connection:
                    connection.execute(text("VACUUM ANALYZE"))
            name = urlsplit(url).path.lstrip("/") if engine == "postgresql" else None
            bench = Bench(db, server, world, name)
            checked = check_seeded(bench)
            # The world (every window of the year) stays in memory to pick windows; a server
            # has no such heap, so the collector's full passes over it are kept off the timings.
            gc.collect()
            gc.freeze()
            busy = wait_for_quiet(QUIET_WAIT_SECONDS)
            booking = measure.booking(bench, rng, sizes.book_calls, sizes.warm_up)
            print(
                f"  booking p99 {booking['rolled_back']['p99_ms']} ms rolled back, "
                f"{booking['committed']['p99_ms']} ms committed",
                flush=True,
            )
            weeks = measure.calendar_weeks(bench, rng, sizes.calendar_calls, sizes.warm_up)
            print(f"  calendar week p99 {weeks['p99_ms']} ms", flush=True)
            races = [
                measure.race(bench, rng, racers, sizes.rounds, own_connections=own)
                for own in (True, False)
                for racers in RACERS
            ]
            for one in races:
                print(
                    f"  race {one['racers']} ({'own' if one['own_connections'] else 'shared'}"
                    f" connections): winners {sorted(set(one['winners_per_round']))}, "
                    f"round p50 {one['round']['p50_ms']} ms",
                    flush=True,
                )
            with serving(folder, url) as port:
                page = measure.calendar_pages(bench, port, rng, sizes.page_calls, sizes.warm_up)
            print(f"  calendar page over HTTP p99 {page['p99_ms']} ms", flush=True)
            db.dispose()
            gc.unfreeze()
    return {
        "engine": engine,
        "machine": machine(pg_version),
        "code": code_version(),
        "at": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "busy_before": round(busy, 3),
        "quick": quick,
        "run_seconds": round(time.perf_counter() - began, 1),
        "parameters": {
            "points": POINTS,
            "plans": PLANS,
            "days": data.DAYS,
            "nations": data.NATIONS,
            "approved_share": data.APPROVED_SHARE,
            "released_share": data.RELEASED_SHARE,
            "point_skew": data.POINT_SKEW,
            "sizes": sizes.__dict__,
            "racers": RACERS,
            "seed": SEED,
            "kdf": "OWASP Argon2id for the officers (set-up), as in production",
            "vacuum_analyze_after_load": engine == "postgresql",
        },
        "data": {
            "points_seconds": round(points_seconds, 1),
            "windows_in_year": sum(len(point.windows) for point in world.points),
            "closed_days": sum(point.closed_days for point in world.points),
            "capacity_range": [
                min(p.capacity for p in world.points),
                max(p.capacity for p in world.points),
            ],
            "plans_per_point": _spread(world),
            "seeded": seeded,
            "checked": checked,
        },
        "booking": booking,
        "calendar": weeks,
        "page": page,
        "races": races,
        "aims": {"book_p99_ms": AIM_BOOK_P99_MS, "page_p99_ms": AIM_PAGE_P99_MS},
    }


def _spread(world: data.World) -> dict[str, int]:
    counts = sorted(sum(point.booked.values()) for point in world.points)
    return {"min": counts[0], "median": counts[len(counts) // 2], "max": counts[-1]}


# --- bench/README.md -----------------------------------------------------------------------

METHOD = """## The way home: booking, calendar and the race (`bench/passage/`)

`.venv/bin/python -m bench.passage [--engine sqlite|postgresql|both] [--quick]`

**Set-up.** For each engine: a fresh database (a SQLite file in a temporary folder; on
PostgreSQL a database of its own, dropped afterwards), `homeward.migrations.upgrade`, new
server keys, the default desks; through `accounts.service.add_officer` at the production
Argon2id cost, a desk officer and a supervisor for each of USA, GBR, FRA, DEU and CAN (cleared
SECRET) and the IRQ cell's coordinator. The coordinator makes 50 handover points through
`passage.points.create_point`: three patterns of hours (60 %: Sunday to Thursday 08:00–12:00
and 13:00–16:00 in one-hour windows; 25 %: every day 07:00–15:00 in half-hour windows; 15 %:
Monday to Saturday 09:00–17:00 in two-hour windows), 2 to 8 places a window, in Asia/Baghdad
(80 %), Europe/Istanbul or Asia/Amman, one or two receiving units, and 0 to 3 closures of 1 to
10 days each through `points.add_closure`. Then 10,000 plans over the year to come, starting
tomorrow: point *k* gets plans in proportion to 1/*k*^0.8 (a few busy crossings, many quiet
ones), each at a random open window with a place left, each for a cleared case of its own,
owned by USA 30 %, GBR 22 %, FRA 20 %, DEU 15 %, CAN 13 % (15 % of the cases released to one
other desk, whose calendar then shows the plan only as "booked"); 30 % approved by the desk's
supervisor. **The plans are written in bulk, not through the service**: booked one at a time
through `passage.plans.book` (a transaction of 250 each), 10,000 took about 3.5 minutes of
the 5 a run may take on this machine, so the bench writes the rows that service leaves itself
(`bench/passage/data.py`, `plan_rows`), with bulk Core inserts as `bench.cases` writes its
cases: the details sealed under a fresh content key to the desk's key and the cell's, the
case's labels with the cell released, a case event per step, the approval bound to
`approvals.content_hash`, and one counter row per window holding exactly the places its plans
take. No audit entries are written for them (as for `bench.cases`). Before anything is timed,
20 of them are opened through `plans.open_plan` by the owning desk and by the cell, their
approvals checked with `approvals.is_approved`, and the counters summed against the plans; the
run stops if any of it fails. PostgreSQL then gets `VACUUM ANALYZE`, as autovacuum would soon.

**Booking check.** `passage.plans.book` as the booking form calls it, for a spare cleared case
of the desks in turn, at a random point and a random window of the year with a place left: the
case read through the policy binding, the point, the window checked against hours and closures,
the case row locked, the overlap query, the two desk keys, one upsert of the window's counter
row (inserted with one place taken, or one place added only while `booked < capacity`), the
plan sealed and inserted with its wraps, the case event. *Rolled back*: 1,000 calls (after 50
warm-up), each in a session of its own that is rolled back after the call, so no place is used
up; the audit entry is queued but never appended (that happens at commit). *Committed*: 1,000
more, each a whole transaction (`Database.transaction`) on a case of its own, commit and the
audit log's Merkle append included: what an officer waits for. These 1,000 plans stay, on top
of the 10,000.

**Calendar.** `passage.calendar.calendar` for one random point and seven local days from a
random date of the year, as the calendar page calls it, in a transaction of its own, the five
desk officers in turn (1,000 calls after 50 warm-up): the windows, their counters, the plans
of the desk (and the count of the others' places). **The page over HTTP**: the real server,
`homeward serve` (uvicorn, one process, production settings but for the data directory and
database) on a free port of 127.0.0.1 and the same database; each desk officer signs in once
through `POST /api/v1/auth/token` (password and TOTP code), then 500 `GET
/officer/passage/points/{id}/calendar?week=YYYY-MM-DD` (after 50 warm-up), one at a time from an
httpx client, the officers in turn, each page read whole and checked (200, the point's name
in it). This is the session check, the point, the calendar transaction and the template.

**The race.** For each round an empty window of a random point is filled to its last place
through `plans.book` (committed), then *N* officers, the five desks in turn, each with a
cleared case of their own desk, book that window at once: each in a thread and a transaction
of its own, released together by a barrier. Exactly one must win; the others must be refused
with `WindowFull`; afterwards the window's counter and its plans are counted: both must be the
capacity. *N* = 8 and 16, 20 rounds each (after one warm-up round), in two ways: each racer on
a connection of its own (a `Database` each, as separate server processes would be: on SQLite
they meet at the file's write lock, `BEGIN IMMEDIATE` and the busy timeout; on PostgreSQL at
the counter row's lock), and all racers sharing the bench's `Database`, as the requests of one
server process do (on SQLite its pool is one connection, so they queue for it; on PostgreSQL
the pool has 20). *Round* is from the first racer's release to the last one's answer;
*winner* and *loser* are one racer's booking, from its release to its answer.

Percentiles interpolate between closest ranks. The machine is shared with other work: before
measuring, the script waits (up to 90 s, to keep a run near five minutes an engine) for it to
be under 15 % busy, and records how busy it was, and for each timed phase the share of the
machine's CPU used by anything but the bench process and its PostgreSQL backends (*other* in
the tables). The world (every window of the year, to pick windows with room) is frozen out of
the garbage collector (`gc.freeze`), which a server's heap would not hold.

**Reading the race.** The racers are threads of one Python process, so they share its GIL and
the machine's two cores: a round costs about *N* bookings of CPU whatever the database does,
and the winner's own time includes the others' Python work. On SQLite with a connection each,
the racers that do not hold the write lock wait in SQLite's busy handler, which sleeps and
retries (up to 100 ms a try, see `core/db.py`): each booking takes ~10 ms, but a round of 16
takes most of a second. With one pool they queue for its one connection instead and a round
is about *N* bookings back to back. On PostgreSQL the losers wait on the counter row's lock
and are refused as soon as the winner commits. Either way the database decides: no round had
two winners or none, and no racer failed with anything but `WindowFull`.

"""


def _row(what: str, figures: dict[str, Any], extra: str = "") -> str:
    return (
        f"| {what} | {figures['count']} | {figures['p50_ms']} | {figures['p95_ms']} "
        f"| {figures['p99_ms']} | {figures['max_ms']} | {figures['other_share']:.0%} | {extra} |"
    )


def _met(value: float, aim: float) -> str:
    return "**met**" if value < aim else "**not met**"


def _race_row(one: dict[str, Any]) -> str:
    winners = sorted(set(one["winners_per_round"]))
    errors = ", ".join(f"{k}: {v}" for k, v in one["errors"].items()) or "0"
    loser = one["loser"] or {"p50_ms": "–", "p99_ms": "–"}
    winner = one["winner"] or {"p50_ms": "–"}
    return (
        f"| {one['racers']} | {'own' if one['own_connections'] else 'one pool'} "
        f"| {one['rounds']} | {one['attempts']} "
        f"| {', '.join(str(w) for w in winners)} "
        f"| {'yes' if one['exactly_one_winner_every_round'] else '**no**'} "
        f"| {one['refused_full']} | {errors} "
        f"| {'yes' if one['window_consistent_every_round'] else '**no**'} "
        f"| {one['round']['p50_ms']} | {one['round']['p99_ms']} | {one['round']['max_ms']} "
        f"| {winner['p50_ms']} | {loser['p50_ms']} |"
    )


def _table(result: dict[str, Any]) -> str:
    info, data_, booking = result["machine"], result["data"], result["booking"]
    weeks, page, aims = result["calendar"], result["page"], result["aims"]
    name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[result["engine"]]
    version = info["postgres"] or info["sqlite"]
    seeded, spread = data_["seeded"], data_["plans_per_point"]
    changed = result["code"]["uncommitted_source_changes"]
    races = result["races"]
    all_one = all(one["exactly_one_winner_every_round"] for one in races)
    consistent = all(one["window_consistent_every_round"] for one in races)
    lines = [
        f"### {name} {version}" + (" (quick run)" if result["quick"] else ""),
        "",
        f"{result['at']}, commit `{result['code']['commit'][:10]}`"
        + (
            " (src/ as committed, from `git archive`)"
            if changed == "not from this checkout"
            else " with uncommitted changes to src/"
            if changed
            else ""
        )
        + f": {info['cpu_count']} × {info['cpu_model']}, {info['memory_gib']} GiB, Python "
        f"{info['python']}, SQLite {info['sqlite']}"
        + (f", PostgreSQL {info['postgres']}" if info["postgres"] else "")
        + f". Machine {result['busy_before']:.0%} busy just before; the whole run took "
        f"{result['run_seconds']:.0f} s.",
        "",
        f"{seeded['plans']:,} plans ({seeded['approved']:,} approved) written in "
        f"{seeded['seconds']} s over {data_['windows_in_year']:,} open windows of the year "
        f"({seeded['windows_booked']:,} of them booked; {data_['closed_days']} point-days "
        f"closed); {spread['min']} to {spread['max']} plans a point (median {spread['median']}),"
        f" {data_['capacity_range'][0]} to {data_['capacity_range'][1]} places a window. "
        f"{data_['checked']['opened']} of them opened through the service by desk and cell.",
        "",
        "| what | calls | p50 ms | p95 ms | p99 ms | max ms | other | |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        _row(
            "**booking check** (`plans.book`, rolled back)",
            booking["rolled_back"],
            f"{booking['rolled_back']['statements_per_call']} statements",
        ),
        _row(
            "booking committed (`plans.book` + commit)",
            booking["committed"],
            f"{booking['committed']['statements_per_call']} statements",
        ),
        _row(
            "calendar week (`calendar.calendar`)",
            weeks,
            f"{weeks['statements_per_call']} statements; {weeks['mean_windows']} windows, "
            f"{weeks['mean_own_plans']} own plans and {weeks['mean_booked_by_others']} others' "
            "places a week on average",
        ),
        _row(
            "**calendar page over HTTP** (`GET /officer/passage/points/{id}/calendar?week=`)",
            page,
            f"{page['mean_page_bytes']:,} bytes a page",
        ),
        "",
        f"Aims: booking check p99 < {aims['book_p99_ms']:.0f} ms "
        f"{_met(booking['rolled_back']['p99_ms'], aims['book_p99_ms'])} "
        f"({booking['rolled_back']['p99_ms']} ms; committed "
        f"{booking['committed']['p99_ms']} ms, "
        f"{_met(booking['committed']['p99_ms'], aims['book_p99_ms'])}); calendar page p99 < "
        f"{aims['page_p99_ms']:.0f} ms {_met(page['p99_ms'], aims['page_p99_ms'])} over HTTP "
        f"({page['p99_ms']} ms; the calendar service alone {weeks['p99_ms']} ms).",
        "",
        "| racers | connections | rounds | attempts | winners in a round | exactly one every "
        "round | refused full | errors | window = capacity after | round p50 ms | round p99 ms "
        "| round max ms | winner p50 ms | loser p50 ms |",
        "| ---: | --- | ---: | ---: | --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: "
        "| ---: |",
        *(_race_row(one) for one in races),
        "",
        f"Race: exactly one winner in every round {'**met**' if all_one else '**not met**'}; "
        f"the counter and the plans equal the capacity after every round "
        f"{'**met**' if consistent else '**not met**'}.",
        "",
    ]
    return "\n".join(lines)


def write_readme() -> None:
    tables = [
        _table(json.loads(path.read_text()))
        for engine in ("sqlite", "postgresql")
        if (path := RESULTS_DIR / f"passage-{engine}.json").exists()
    ]
    write_section("passage", METHOD + "\n".join(tables))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="few calls, to check it runs")
    parser.add_argument(
        "--results", type=Path, help="write the JSON here and leave bench/README.md alone"
    )
    args = parser.parse_args(argv)
    sizes = Sizes.make(quick=args.quick)
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    folder = args.results or RESULTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for engine in engines:
        result = run_engine(engine, sizes, args.quick)
        (folder / f"passage-{engine}.json").write_text(json.dumps(result, indent=2) + "\n")
    if args.results is None:
        write_readme()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
