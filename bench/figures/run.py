"""Programme figures benchmark: every figure for 100,000 cases, the page and the file export.

The cases benchmark's data (bench/cases: five desks, the same stage mix, identities, labels,
notes) with what the figures count added to each case as the services would have left it: its
stage changes as events, from its opening to the stage it is in (some leaving the way home by
an exit), its sex and its age band at opening; and about one letter per case, in conversations
of the desks, over the same months. Measured per engine:

- the service: `reports.service.run` for a nation's own view (a FRA supervisor, counted through
  the policy binding) and for the coalition (disclosure-controlled), each committed (its audit
  entry);
- the page over HTTP: GET /officer/figures for both views, as `homeward serve` answers it
  (server-drawn charts and tables), p99 against the aim of 500 ms;
- the export: the coalition's files for publication (a CSV per table and the XLSX workbook)
  written as `homeward figures --out DIR` writes them, and the workbook downloaded over HTTP.

.venv/bin/python -m bench.figures [--engine sqlite|postgresql|both] [--cases N] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import Table, insert, text

from bench.harness import case_world, server
from bench.harness.machine import code_version, machine, wait_for_quiet
from bench.harness.readme import RESULTS_DIR, write_section
from bench.harness.server import LOOPBACK, database
from bench.harness.stats import percentiles
from homeward import migrations
from homeward.accounts import service as accounts_service
from homeward.accounts.service import Keyring, NewOfficer
from homeward.audit import service as audit
from homeward.cases.states import PATH, Stage
from homeward.contact.models import FROM_CONTACT, Contact, Conversation, Message
from homeward.core.db import Base, Database, utcnow
from homeward.core.settings import Settings
from homeward.crypto import sealing
from homeward.crypto.keys import ServerSecrets, load_server_secrets
from homeward.policy import binding
from homeward.policy.labels import Classification
from homeward.policy.roles import Role
from homeward.reports import files
from homeward.reports import service as figures_service
from homeward.web.security import OFFICER_COOKIE

POSTGRES_URL = os.environ.get("HOMEWARD_BENCH_POSTGRES_URL", server.DEFAULT_POSTGRES_URL)
AIM_PAGE_P99_MS = 500.0
SEED = 20261207
BATCH = 2_000
PERIOD_DAYS = 365
"""The page's default period: the last twelve months."""
WAY = PATH
"""The way home, stage by stage (`cases.states.PATH`)."""
EXIT_AFTER = (Stage.IN_CONTACT, Stage.IDENTITY_VERIFIED, Stage.CLEARED, Stage.PASSAGE_PLANNED)
"""Where a case that left the way home was when it left."""
SEXES = {"M": 68, "F": 26, "": 6}
BANDS = {"adult": 77, "child": 18, "": 5}
LETTERS_PER_CONVERSATION = 3
VIEWS = ("FRA", figures_service.COALITION)


@dataclass(frozen=True)
class Sizes:
    cases: int
    service_calls: int
    http_calls: int
    export_calls: int
    warm_up: int


FULL = Sizes(cases=100_000, service_calls=20, http_calls=30, export_calls=6, warm_up=2)
QUICK = Sizes(cases=2_000, service_calls=4, http_calls=4, export_calls=2, warm_up=1)


# --- data ----------------------------------------------------------------------------------


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _way_to(rng: random.Random, stage: Stage, child: bool) -> list[Stage]:
    """The stages a case passed to reach `stage`, in order, `new` first."""
    if stage in WAY:
        path = list(WAY[: WAY.index(stage) + 1])
    else:  # an exit, from somewhere before the handover
        left_from = rng.choice(EXIT_AFTER)
        path = [*WAY[: WAY.index(left_from) + 1], stage]
    return [s for s in path if not (child and s is Stage.IN_CUSTODY)]


def _events(
    rng: random.Random, rows: dict[str, list[dict[str, Any]]], child: bool
) -> list[dict[str, Any]]:
    """The case's stage changes, as transitions.transition writes them, between its opening
    and the day it entered its stage (the case row's own dates), each marked as
    cases.service.mark_stages marks it: the way home passes each stage once, so every event is
    a first entry, and the stay it ends began at the event before."""
    case, opening = rows["case"][0], rows["events"][0]
    path = _way_to(rng, Stage(case["stage"]), child)
    created, entered = case["created_at"], case["stage_entered_at"]
    moves = len(path) - 1
    times = sorted(created + (entered - created) * rng.random() for _ in range(moves - 1))
    times.append(entered)
    return (
        [
            {
                **opening,
                "id": secrets.token_hex(16),
                "at": at,
                "kind": "case:stage:change",
                "from_stage": before.value,
                "to_stage": after.value,
                "first_entry": True,
                "from_stage_entered_at": since,
            }
            for at, since, before, after in zip(
                times, [created, *times[:-1]], path[:-1], path[1:], strict=True
            )
        ]
        if moves
        else []
    )


def _letters(
    rng: random.Random, nation: str, now: datetime, count: int
) -> dict[str, list[dict[str, Any]]]:
    """`count` letters to a desk in one conversation, over the past year (the body random
    bytes of a letter's size: counting never reads it)."""
    contact_id, conversation_id = secrets.token_hex(16), secrets.token_hex(16)
    times = sorted(now - timedelta(days=rng.uniform(0, PERIOD_DAYS + 30)) for _ in range(count))
    return {
        "contacts": [
            {
                "id": contact_id,
                "lookup": secrets.token_bytes(32),
                "reply_public_key": secrets.token_bytes(32),
                "created_on": times[0].date(),
            }
        ],
        "conversations": [
            {
                "id": conversation_id,
                "contact_id": contact_id,
                "owner_nation": nation,
                "classification": int(Classification.RESTRICTED),
                "release": "",
                "starred": False,
                "unread": True,
                "message_count": count,
                "last_message_at": times[-1],
                "created_at": times[0],
                "awaiting_reply_since": times[0],
                "has_files": False,
            }
        ],
        "messages": [
            {
                "id": secrets.token_hex(16),
                "conversation_id": conversation_id,
                "direction": FROM_CONTACT,
                "created_at": at,
                "body": secrets.token_bytes(rng.randint(200, 1200)),
            }
            for at in times
        ],
    }


TABLES: dict[str, Table] = {
    **case_world.TABLES,
    **{
        name: Base.metadata.tables[model.__tablename__]
        for name, model in (
            ("contacts", Contact),
            ("conversations", Conversation),
            ("messages", Message),
        )
    },
}


def insert_programme(
    db: Database,
    server_secrets: ServerSecrets,
    desks: dict[str, case_world.Desk],
    settings: Settings,
    count: int,
) -> dict[str, Any]:
    """Bulk Core inserts in batches, as bench/cases does, with the figures' columns added."""
    rng = random.Random(SEED)
    corpus = case_world.Corpus()
    now = utcnow()
    started = time.perf_counter()
    events = letters = 0
    columns = [TextColumn("  inserting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    with Progress(*columns, transient=False) as progress:
        task = progress.add_task("cases", total=count)
        for start in range(0, count, BATCH):
            batch: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
            for number in range(start, min(start + BATCH, count)):
                rows = case_world.case_rows(
                    rng=rng,
                    server=server_secrets,
                    desks=desks,
                    settings=settings,
                    number=number + 1,
                    now=now,
                    corpus=corpus,
                )
                case = rows["case"][0]
                band = _weighted(rng, BANDS)
                if case["stage"] == Stage.IN_CUSTODY.value and band == "child":
                    band = "adult"  # a child is never in custody
                case["sex"], case["age_band"] = _weighted(rng, SEXES), band
                rows["events"].extend(_events(rng, rows, band == "child"))
                events += len(rows["events"])
                for name, made in rows.items():
                    batch[name].extend(made)
                if number % LETTERS_PER_CONVERSATION == 0:
                    for name, made in _letters(
                        rng, case["owner_nation"], now, LETTERS_PER_CONVERSATION
                    ).items():
                        batch[name].extend(made)
                    letters += LETTERS_PER_CONVERSATION
            with db.transaction() as session:
                binding.as_system(session, "benchmark set-up: bulk synthetic programme")
                for name, table in TABLES.items():
                    if batch[name]:
                        session.execute(insert(table), batch[name])
            progress.update(task, completed=min(start + BATCH, count))
    seconds = time.perf_counter() - started
    return {
        "cases": count,
        "case_events": events,
        "letters": letters,
        "stages": corpus.stages,
        "seconds": round(seconds, 1),
    }


@dataclass(frozen=True)
class Reader:
    """An officer who runs the figures: username, password and unlocked keys."""

    username: str
    password: str
    keyring: Keyring


def add_readers(db: Database, server_secrets: ServerSecrets) -> dict[str, Reader]:
    """A FRA supervisor (the nation's own view, and the coalition) and the coordination cell's
    coordinator (the coalition), through accounts.service with random passwords."""
    readers: dict[str, Reader] = {}
    with db.transaction() as session:
        for view, (username, role, nation) in {
            "FRA": ("bench.fra.figures", Role.SUPERVISOR, "FRA"),
            figures_service.COALITION: ("bench.irq.figures", Role.COORDINATOR, "IRQ"),
        }.items():
            password = secrets.token_urlsafe(18)
            officer, _uri = accounts_service.add_officer(
                session=session,
                secrets=server_secrets,
                cost=sealing.OWASP,
                actor=audit.SYSTEM,
                data=NewOfficer(username, password, role, nation, int(Classification.SECRET)),
            )
            keyring = accounts_service.unlock(
                officer=officer, password=password, cost=sealing.OWASP
            )
            readers[view] = Reader(username, password, keyring)
    return readers


# --- measurements --------------------------------------------------------------------------


def _period(longer: int = 0) -> tuple[date, date]:
    """The last twelve months to today (end day not included), starting `longer` days
    earlier: every such period holds the whole year's data, and each is asked for once."""
    end = utcnow().date() + timedelta(days=1)
    return end - timedelta(days=PERIOD_DAYS + longer), end


def _timed(call: Callable[[int], object], count: int, warm_up: int) -> list[float]:
    """`call(number)` timed `count` times after `warm_up` untimed calls."""
    taken = []
    for number in range(warm_up + count):
        began = time.perf_counter()
        call(number)
        if number >= warm_up:
            taken.append(time.perf_counter() - began)
    return taken


MODES = {"fresh": 1, "same": 0}
"""`fresh`: each call asks for a period no call asked before (starting a day earlier each
time, so it still holds the whole year), and every call counts; `same`: every call asks for
the same period with the data unchanged, which a cache of runs may answer (as the page is asked
again and again between changes)."""


def measure_service(
    db: Database, settings: Settings, readers: dict[str, Reader], sizes: Sizes
) -> dict[str, Any]:
    """Every figure of one view through the service, committed (with its audit entry)."""
    found: dict[str, Any] = {}
    for view in VIEWS:
        principal = readers[view].keyring.principal
        for mode, step in MODES.items():

            def run(
                number: int, view: str = view, principal: Any = principal, step: int = step
            ) -> None:
                start, end = _period(number * step)
                with db.transaction() as session:
                    made = figures_service.run(
                        session, principal, start=start, end=end, view=view, settings=settings
                    )
                    assert made.tables

            found[f"{view} {mode}"] = percentiles(_timed(run, sizes.service_calls, sizes.warm_up))
    return found


def measure_export(
    db: Database, settings: Settings, readers: dict[str, Reader], sizes: Sizes, folder: Path
) -> dict[str, Any]:
    """The coalition's files for publication, as `homeward figures --out DIR` writes them: the
    run (controlled, a period no call asked before) and every CSV and the workbook on disk."""
    principal = readers[figures_service.COALITION].keyring.principal
    out = folder / "export"
    written: list[Path] = []

    def export(number: int) -> None:
        start, end = _period(100 + number)
        with db.transaction() as session:
            made = figures_service.run(
                session,
                principal,
                start=start,
                end=end,
                view=figures_service.COALITION,
                settings=settings,
            )
        written[:] = [*files.write_csv(made, out), files.write_xlsx(made, out)]

    timings = percentiles(_timed(export, sizes.export_calls, sizes.warm_up))
    return {**timings, "files": len(written), "bytes": sum(p.stat().st_size for p in written)}


@contextmanager
def running_server(data_dir: Path, url: str) -> Iterator[int]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("HOMEWARD_")}
    env.update({"HOMEWARD_DATA_DIR": str(data_dir), "HOMEWARD_DATABASE_URL": url})
    with server.running_server(env, data_dir / "server.log") as (port, _pid):
        yield port


def measure_http(
    db: Database,
    *,
    server_secrets: ServerSecrets,
    readers: dict[str, Reader],
    sizes: Sizes,
    data_dir: Path,
    url: str,
) -> dict[str, Any]:
    """GET /officer/figures (both views, the default period) and the coalition's workbook,
    each reader signed in once through POST /api/v1/auth/token (password and TOTP code)."""
    codes = {}
    with db.transaction() as session:
        for view, reader in readers.items():
            officer = accounts_service.find_officer(session=session, username=reader.username)
            assert officer is not None
            codes[view] = accounts_service.totp_now(secrets=server_secrets, officer=officer)
    db.dispose()  # the server holds the database alone meanwhile (one SQLite writer)
    found: dict[str, Any] = {}
    with (
        running_server(data_dir, url) as port,
        httpx.Client(base_url=f"http://{LOOPBACK}:{port}", trust_env=False, timeout=120) as client,
    ):
        tokens = {}
        for view, reader in readers.items():
            answer = client.post(
                "/api/v1/auth/token",
                json={
                    "username": reader.username,
                    "password": reader.password,
                    "code": codes[view],
                },
            )
            answer.raise_for_status()
            tokens[view] = answer.json()["token"]

        def get(path: str, view: str, step: int, shift: int = 0) -> Callable[[int], None]:
            def call(number: int) -> None:
                start, end = _period(shift + number * step)
                last = end - timedelta(days=1)
                params = {"view": view, "from": start.isoformat(), "to": last.isoformat()}
                client.cookies.set(OFFICER_COOKIE, tokens[view])
                answer = client.get(path, params=params)
                client.cookies.clear()
                if answer.status_code != 200:
                    log = (data_dir / "server.log").read_text("utf-8", errors="replace")
                    raise SystemExit(
                        f"{path} answered {answer.status_code} for {view}; the server's log "
                        f"ends:\n{log[-3000:]}"
                    )

            return call

        for view in VIEWS:
            for mode, step in MODES.items():
                page = get("/officer/figures", view, step, shift=200)
                found[f"page {view} {mode}"] = percentiles(
                    _timed(page, sizes.http_calls, sizes.warm_up)
                )
        coalition = figures_service.COALITION
        workbook = get("/officer/figures.xlsx", coalition, 1, shift=300)
        found["workbook coalition"] = percentiles(
            _timed(workbook, sizes.export_calls, sizes.warm_up)
        )
    return found


# --- the run -------------------------------------------------------------------------------


def run_engine(
    engine: str,
    sizes: Sizes,
    quick: bool,
    results: Path = RESULTS_DIR,
    quiet_seconds: float | None = None,
) -> dict[str, Any]:
    """One engine's run; `quiet_seconds` bounds the wait for a quiet machine (30 s on a quick
    run, 60 s otherwise)."""
    print(f"[{engine}]")
    settings = Settings()
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        server_secrets = load_server_secrets(folder / "keys", create=True)
        with database(engine, POSTGRES_URL, folder, label="figures") as (url, pg_version):
            migrations.upgrade(url)
            db = Database(url)
            desks, _keyrings = case_world.set_up_desks(db, server_secrets, sealing.OWASP)
            readers = add_readers(db, server_secrets)
            inserted = insert_programme(db, server_secrets, desks, settings, sizes.cases)
            print(f"  inserted {sizes.cases:,} cases in {inserted['seconds']} s")
            if engine == "postgresql":
                with db.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT"
                ) as connection:
                    connection.execute(text("VACUUM ANALYZE"))
            if quiet_seconds is None:
                quiet_seconds = 30 if quick else 60
            busy = wait_for_quiet(limit_seconds=quiet_seconds)
            service = measure_service(db, settings, readers, sizes)
            export = measure_export(db, settings, readers, sizes, folder)
            print(
                "  service p99 "
                + ", ".join(f"{key} {value['p99_ms']} ms" for key, value in service.items())
                + f"; export p99 {export['p99_ms']} ms"
            )
            http = measure_http(
                db,
                server_secrets=server_secrets,
                readers=readers,
                sizes=sizes,
                data_dir=folder,
                url=url,
            )
            print("  over HTTP p99 " + ", ".join(f"{k} {v['p99_ms']} ms" for k, v in http.items()))
            db.dispose()
    pages = [http[f"page {view} fresh"]["p99_ms"] for view in VIEWS]
    result = {
        "engine": engine,
        "machine": machine(pg_version),
        "commit": code_version(),
        "at": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "busy_before": busy,
        "parameters": {
            "sizes": sizes.__dict__,
            "period_days": PERIOD_DAYS,
            "views": list(VIEWS),
            "seed": SEED,
            "data": "bench/cases' cases plus stage events, sex, age band and letters",
        },
        "data": inserted,
        "service": service,
        "export": export,
        "http": http,
        "aim": {"page_p99_ms": AIM_PAGE_P99_MS},
        "met": max(pages) < AIM_PAGE_P99_MS,
        "met_means": "page p99 of both views, every call counting afresh (mode fresh)",
        "quick": quick,
    }
    results.mkdir(parents=True, exist_ok=True)
    (results / f"figures-{engine}.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


def _row(what: str, figures: dict[str, Any]) -> str:
    return (
        f"| {what} | {figures['count']} | {figures['p50_ms']} | {figures['p95_ms']} "
        f"| {figures['p99_ms']} | {figures['max_ms']} |"
    )


READING = """
**Reading** (runs of 2026-12-08 at 2b936ec on the shared 2-core machine while another session's
identity benchmark ran two 1M-record dedupes: 100% busy before both engines' timings, so every
figure here is about twice what a quiet machine gives; the cached `same` rows, which count
nothing, are 1.5-2.2 times the previous run's at 53% / 1% busy). The counting no longer works
out per event, with a correlated query over the case's history, whether it is the case's first
entry into a stage or when the stay it ends began: each stage event carries both from the
moment it is written (`case_event.first_entry`, `from_stage_entered_at`, migration 0020), and
the counts read the period's events from one covering index (`ix_case_event_stages`), only
those of the stages the figures show. Measured on the same 100,000-case world at the same time,
old queries against new, best of three (load about 2.5 from other work): the coalition's
reached-stage count 2,576 -> 1,548 ms on SQLite and 1,024 -> 411 ms on PostgreSQL, its stays
1,216 -> 626 and 1,339 -> 841 ms; a nation's (FRA) 321 -> 231 / 694 -> 182 ms and 270 -> 160 /
515 -> 194 ms; the coalition's tables built from the counts 128 -> 86 ms. What is left is the
size of the work itself: a year of the coalition is 216,000 first entries joined to their cases
and grouped (SQLite sorts them to group) and 236,000 stays brought into Python for medians and
percentiles, with 92,000 letters beside them. **The 500 ms aim is met only from the figures
cache** (page p99 100 ms / 198 ms for the coalition, SQLite / PostgreSQL, on this busy
machine); a fresh count takes 2.1-2.7 s (p50) for the coalition and 0.6-0.7 s for a nation
here. Getting a fresh coalition count under 500 ms needs the counts kept as they happen (first
entries per day and stage by nation, sex and age band, moved when a case changes hands or its
identity changes; stays as a histogram) rather than read from the events.
"""


def _commit(result: dict[str, Any]) -> str:
    """The measured commit, short (results from before bench/harness kept it under `id`)."""
    found = result["commit"]
    return str(found.get("commit") or found.get("id") or "?")[:10]


def write_readme() -> None:
    parts = [
        "## Programme figures (bench/figures)\n\n"
        "Every figure of issue 16 (funnel by nation, sex, age band and quarter; time in each "
        "stage, median and 90th percentile; stale cases; weekly trend; calendar use; identity "
        "work) for the last twelve months over the cases benchmark's programme, with a year of "
        "stage events, sex, age band at opening and about one letter per case added. The "
        "service runs one view and commits its audit entry; the page is GET /officer/figures "
        "over HTTP from `homeward serve` (server-drawn charts and tables); the export is the "
        "coalition's files for publication (a CSV per table and the workbook) written to disk, "
        "and the workbook downloaded. Aim: page p99 under "
        f"{AIM_PAGE_P99_MS:.0f} ms. Times in ms.\n\n"
        "`.venv/bin/python -m bench.figures` (both engines, 100,000 cases), `--quick` for a "
        "short run.\n"
    ]
    for engine in ("sqlite", "postgresql"):
        path = RESULTS_DIR / f"figures-{engine}.json"
        if not path.exists():
            continue
        result = json.loads(path.read_text())
        data = result["data"]
        note = " (a quick run)" if result.get("quick") else ""
        parts.append(
            f"\n**{engine}**{note}: {data['cases']:,} cases, {data['case_events']:,} case "
            f"events, {data['letters']:,} letters; commit {_commit(result)}, "
            f"{result['at']}; machine busy {result['busy_before']:.0%} before the timings "
            "(shared with other work).\n\n"
            "| what | calls | p50 | p95 | p99 | max |\n| --- | --- | --- | --- | --- | --- |\n"
        )
        rows = [_row(f"service, {view}", figures) for view, figures in result["service"].items()]
        rows += [_row(f"HTTP {what}", figures) for what, figures in result["http"].items()]
        rows.append(
            _row(
                f"export to disk ({result['export']['files']} files, "
                f"{result['export']['bytes']:,} bytes)",
                result["export"],
            )
        )
        parts.append("\n".join(rows) + "\n")
        parts.append(f"\nPage aim met: {'yes' if result['met'] else 'no'}.\n")
    parts.append(READING)
    write_section("figures", "".join(parts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--cases", type=int)
    parser.add_argument("--quick", action="store_true", help="a short run, to check it works")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.cases:
        sizes = Sizes(
            args.cases, sizes.service_calls, sizes.http_calls, sizes.export_calls, sizes.warm_up
        )
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    for engine in engines:
        run_engine(engine, sizes, args.quick)
    write_readme()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
