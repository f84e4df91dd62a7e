"""Case list benchmark: 100,000 synthetic cases over five desks; latency of a filtered,
policy-checked list page (50 rows) and of opening one case, through the real service path and
over HTTP; SQLite and PostgreSQL.

.venv/bin/python -m bench.cases [--engine sqlite|postgresql|both] [--cases N] [--quick]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import random
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from bench.harness import server
from bench.harness.case_world import (
    DESK_CLEARANCE,
    FAMILY,
    GIVEN,
    LABELS,
    NATIONS,
    SEED,
    Desk,
    insert_cases,
    set_up_desks,
)
from bench.harness.machine import machine, wait_for_quiet
from bench.harness.readme import RESULTS_DIR, write_section
from bench.harness.server import LOOPBACK, database
from bench.harness.stats import percentiles
from homeward import migrations
from homeward.accounts import service as accounts_service
from homeward.accounts.service import Keyring
from homeward.cases import listing, views
from homeward.cases.states import Stage
from homeward.core.db import Database, utcnow
from homeward.core.settings import Settings
from homeward.crypto import sealing
from homeward.crypto.keys import ServerSecrets, load_server_secrets
from homeward.web.security import OFFICER_COOKIE

POSTGRES_URL = os.environ.get(
    "HOMEWARD_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
AIM_LIST_P99_MS = 50.0

# --- what an officer asks for --------------------------------------------------------------

COMMON_STAGES = (Stage.NEW, Stage.IN_CONTACT, Stage.IDENTITY_VERIFIED, Stage.CLEARED)


@dataclass(frozen=True)
class Kind:
    name: str
    make: Callable[[random.Random, Desk], listing.CaseQuery]
    params: Callable[[listing.CaseQuery, Desk], dict[str, str]]
    """The same filter as query-string parameters of /officer/cases."""


def _page_params(query: listing.CaseQuery, desk: Desk) -> dict[str, str]:
    params: dict[str, str] = {}
    if query.stage:
        params["stage"] = query.stage
    if query.label:
        params["label"] = query.label
    if query.text:
        params["q"] = query.text
    if query.assignee:
        params["assignee"] = desk.username
    if query.stale_only:
        params["stale"] = "1"
    if query.sort != "updated":
        params["sort"] = query.sort
    if query.page != 1:
        params["page"] = str(query.page)
    return params


def _name(rng: random.Random) -> str:
    return rng.choice(FAMILY) if rng.random() < 0.6 else f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"


KINDS: tuple[Kind, ...] = (
    Kind("no filter", lambda _rng, _desk: listing.CaseQuery(), _page_params),
    Kind(
        "stage",
        lambda rng, _desk: listing.CaseQuery(stage=rng.choice(COMMON_STAGES).value),
        _page_params,
    ),
    Kind("label", lambda rng, _desk: listing.CaseQuery(label=rng.choice(LABELS)), _page_params),
    Kind("name search", lambda rng, _desk: listing.CaseQuery(text=_name(rng)), _page_params),
    Kind("stale only", lambda _rng, _desk: listing.CaseQuery(stale_only=True), _page_params),
    Kind(
        "oldest in stage",
        lambda rng, _desk: listing.CaseQuery(
            stage=rng.choice(COMMON_STAGES).value, sort="oldest-in-stage"
        ),
        _page_params,
    ),
    Kind(
        "assigned to me",
        lambda _rng, desk: listing.CaseQuery(assignee=desk.officer_id),
        _page_params,
    ),
    Kind("page 20", lambda _rng, _desk: listing.CaseQuery(page=20), _page_params),
)


# --- measuring -----------------------------------------------------------------------------


class StatementCounter:
    """How many statements each request sends to the database."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "after_cursor_execute", self._after)

    def _after(self, *_args: Any) -> None:
        self.count += 1

    def reset(self) -> int:
        taken, self.count = self.count, 0
        return taken


@dataclass
class Bench:
    db: Database
    server: ServerSecrets
    settings: Settings
    desks: dict[str, Desk]
    keyrings: dict[str, Keyring]
    readable: dict[str, list[str]]

    def list_once(self, nation: str, query: listing.CaseQuery) -> listing.CasePage:
        """One request's worth: its own transaction, the officer bound by list_cases."""
        with self.db.transaction() as session:
            return listing.list_cases(
                session=session,
                principal=self.keyrings[nation].principal,
                secrets=self.server,
                settings=self.settings,
                query=query,
            )

    def open_once(self, nation: str, case_id: str) -> None:
        with self.db.transaction() as session:
            views.case_view(
                session=session,
                keyring=self.keyrings[nation],
                secrets=self.server,
                settings=self.settings,
                case_id=case_id,
            )

    def list_calls(self, rng: random.Random, count: int) -> list[tuple[str, str, Any]]:
        """`count` (kind, nation, query), kinds in turn, each officer in turn."""
        nations = list(self.desks)
        calls = []
        for number in range(count):
            kind = KINDS[number % len(KINDS)]
            nation = nations[(number // len(KINDS)) % len(nations)]
            calls.append((kind.name, nation, kind.make(rng, self.desks[nation])))
        return calls


def measure_service(bench: Bench, lists: int, opens: int, warm_up: int) -> dict[str, Any]:
    """list_cases and case_view as a request calls them, one transaction each."""
    rng = random.Random(SEED + 1)
    counter = StatementCounter(bench.db.engine)
    nations = list(bench.desks)
    for _kind, nation, query in bench.list_calls(rng, warm_up):
        bench.list_once(nation, query)
    for number in range(warm_up):
        nation = nations[number % len(nations)]
        bench.open_once(nation, rng.choice(bench.readable[nation]))
    counter.reset()
    by_kind: dict[str, list[float]] = {}
    statements: list[int] = []
    rows: list[int] = []
    for kind, nation, query in bench.list_calls(rng, lists):
        began = time.perf_counter()
        page = bench.list_once(nation, query)
        by_kind.setdefault(kind, []).append(time.perf_counter() - began)
        statements.append(counter.reset())
        rows.append(len(page.rows))
    opened: list[float] = []
    for number in range(opens):
        nation = nations[number % len(nations)]
        case_id = rng.choice(bench.readable[nation])
        began = time.perf_counter()
        bench.open_once(nation, case_id)
        opened.append(time.perf_counter() - began)
    open_statements = counter.reset() / opens
    every = [sample for samples in by_kind.values() for sample in samples]
    return {
        "list": {
            "all": percentiles(every),
            "by_kind": {kind: percentiles(samples) for kind, samples in by_kind.items()},
            "statements_per_call": round(sum(statements) / len(statements), 1),
            "mean_rows": round(sum(rows) / len(rows), 1),
        },
        "open": {**percentiles(opened), "statements_per_call": round(open_statements, 1)},
    }


def _profiled(run: Callable[[], None]) -> pstats.Stats:
    profiler = cProfile.Profile()
    profiler.enable()
    run()
    profiler.disable()
    return pstats.Stats(profiler)


def _shares(stats: pstats.Stats, entry: str) -> dict[str, float]:
    """Shares of the time in function `entry`: the database driver's own time (running SQL on
    SQLite; sending, waiting and reading on PostgreSQL), libsodium through PyNaCl (of which
    opening identities, for the list), and the rest (SQLAlchemy, the policy hook, Python)."""
    table: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    total = sum(row[3] for (_file, _line, name), row in table.items() if name == entry)
    driver = sum(
        row[2]
        for (file, _line, name), row in table.items()
        if "sqlite3" in name or "psycopg" in file or "psycopg" in name
    )
    crypto = sum(
        row[2] for (file, _line, name), row in table.items() if "/nacl/" in file or "sodium" in name
    )
    identity = sum(
        row[3]
        for (file, _line, name), row in table.items()
        if file.endswith("cases/identity.py") and name == "open"
    )
    return {
        "driver": round(driver / total, 2),
        "crypto": round(crypto / total, 2),
        "identity_open": round(identity / total, 2),
        "rest": round(1 - (driver + crypto) / total, 2),
    }


def breakdown(bench: Bench, count: int) -> dict[str, Any]:
    """Where the time goes, under cProfile (which inflates the Python share a little)."""
    rng = random.Random(SEED + 2)
    nations = list(bench.desks)
    calls = bench.list_calls(rng, count)
    opens = []
    for number in range(count):
        nation = nations[number % len(nations)]
        opens.append((nation, rng.choice(bench.readable[nation])))

    def lists() -> None:
        for _kind, nation, query in calls:
            bench.list_once(nation, query)

    def views_() -> None:
        for nation, case_id in opens:
            bench.open_once(nation, case_id)

    return {
        "calls": count,
        "list": _shares(_profiled(lists), "list_cases"),
        "open": _shares(_profiled(views_), "case_view"),
    }


def profile_lists(bench: Bench, count: int, top: int = 30) -> str:
    """cProfile over `count` list calls, for --investigate: where a list page's time goes."""
    calls = bench.list_calls(random.Random(SEED + 2), count)

    def lists() -> None:
        for _kind, nation, query in calls:
            bench.list_once(nation, query)

    out = io.StringIO()
    stats = _profiled(lists)
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def explain(bench: Bench, nation: str) -> str:
    """For --investigate: the engine's plan for each statement of one list call of each kind."""
    captured: list[tuple[str, str, Any]] = []
    kind_now = [""]

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((kind_now[0], statement, parameters))

    event.listen(bench.db.engine, "before_cursor_execute", keep)
    try:
        for kind in KINDS:
            kind_now[0] = kind.name
            bench.list_once(nation, kind.make(random.Random(SEED), bench.desks[nation]))
    finally:
        event.remove(bench.db.engine, "before_cursor_execute", keep)
    sqlite = bench.db.engine.dialect.name == "sqlite"
    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
    out = []
    with bench.db.engine.connect() as connection:
        raw = connection.connection.driver_connection
        assert raw is not None
        for kind_name, statement, parameters in captured:
            cursor = raw.cursor()
            cursor.execute(prefix + statement, parameters)
            plan = "\n".join(" | ".join(str(part) for part in row) for row in cursor.fetchall())
            out.append(f"-- {kind_name}\n{statement.strip()}\n{plan}\n")
    return "\n".join(out)


# --- over HTTP -----------------------------------------------------------------------------


@contextmanager
def running_server(data_dir: Path, url: str) -> Iterator[int]:
    """`homeward serve` (uvicorn, one process) on a free loopback port, production settings
    but for the data directory and database; stopped afterwards."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("HOMEWARD_")}
    env.update({"HOMEWARD_DATA_DIR": str(data_dir), "HOMEWARD_DATABASE_URL": url})
    with server.running_server(env, data_dir / "server.log") as (port, _pid):
        yield port


def measure_http(
    bench: Bench, data_dir: Path, url: str, calls: int, warm_up: int
) -> dict[str, Any]:
    """GET /officer/cases, the page an officer waits for, with the same filter mix; each
    officer signs in once through POST /api/v1/auth/token (password and TOTP code)."""
    codes = {}
    with bench.db.transaction() as session:
        for nation, desk in bench.desks.items():
            officer = accounts_service.get_officer(session=session, officer_id=desk.officer_id)
            assert officer is not None
            codes[nation] = accounts_service.totp_now(secrets=bench.server, officer=officer)
    bench.db.dispose()  # the server holds the database alone meanwhile (one SQLite writer)
    rng = random.Random(SEED + 3)
    kinds = {kind.name: kind for kind in KINDS}
    samples: dict[str, list[float]] = {}
    with (
        running_server(data_dir, url) as port,
        httpx.Client(base_url=f"http://{LOOPBACK}:{port}", trust_env=False, timeout=30) as client,
    ):
        tokens = {}
        for nation, desk in bench.desks.items():
            answer = client.post(
                "/api/v1/auth/token",
                json={"username": desk.username, "password": desk.password, "code": codes[nation]},
            )
            answer.raise_for_status()
            tokens[nation] = answer.json()["token"]
        plan = bench.list_calls(rng, warm_up + calls)
        for number, (kind, nation, query) in enumerate(plan):
            params = kinds[kind].params(query, bench.desks[nation])
            began = time.perf_counter()
            answer = client.get(
                "/officer/cases", params=params, cookies={OFFICER_COOKIE: tokens[nation]}
            )
            took = time.perf_counter() - began
            if answer.status_code != 200:
                raise SystemExit(f"/officer/cases answered {answer.status_code} for {params}")
            if number >= warm_up:
                samples.setdefault(kind, []).append(took)
            client.cookies.clear()
    every = [sample for taken in samples.values() for sample in taken]
    return {
        "page": "/officer/cases",
        "server": "homeward serve (uvicorn, one process) on 127.0.0.1, httpx client",
        "all": percentiles(every),
        "by_kind": {kind: percentiles(taken) for kind, taken in samples.items()},
    }


# --- the run -------------------------------------------------------------------------------


@contextmanager
def fresh_database(engine: str, folder: Path) -> Iterator[tuple[str, str | None]]:
    with database(engine, POSTGRES_URL, folder, label="cases") as made:
        yield made


def _git_commit() -> dict[str, Any]:
    """The commit measured, and whether the code under src/ differs from it."""
    head = subprocess.run(
        ["git", "rev-parse", "--short=10", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    changed = subprocess.run(
        ["git", "status", "--porcelain", "--", "src"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {"id": head, "uncommitted_src_changes": bool(changed)}


def run_engine(
    engine: str, count: int, quick: bool, investigate: bool, results: Path = RESULTS_DIR
) -> dict[str, Any]:
    print(f"[{engine}]")
    lists, opens, http_calls, warm_up = (30, 30, 20, 8) if quick else (320, 300, 100, 40)
    settings = Settings()
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        server = load_server_secrets(folder / "keys", create=True)
        with fresh_database(engine, folder) as (url, pg_version):
            migrations.upgrade(url)
            db = Database(url)
            desks, keyrings = set_up_desks(db, server, sealing.OWASP)
            corpus, inserted = insert_cases(db, server, desks, settings, count)
            print(f"  inserted {count:,} cases: {inserted['cases_per_second']:,}/s")
            if engine == "postgresql":
                # What autovacuum does to freshly loaded tables soon after: statistics for the
                # planner, and the visibility map that index-only scans need.
                with db.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT"
                ) as connection:
                    connection.execute(text("VACUUM ANALYZE"))
            readable = {
                nation: corpus.readable_by(nation, int(clearance))
                for nation, clearance in DESK_CLEARANCE.items()
            }
            bench = Bench(db, server, settings, desks, keyrings, readable)
            # The harness keeps every case id in memory to pick cases to open; a server has no
            # such heap. Freezing it keeps the collector's full passes over it off the timings.
            gc.collect()
            gc.freeze()
            busy = wait_for_quiet()
            service = measure_service(bench, lists, opens, warm_up)
            print(
                f"  list page p50 {service['list']['all']['p50_ms']} ms, "
                f"p99 {service['list']['all']['p99_ms']} ms; "
                f"open p50 {service['open']['p50_ms']} ms, p99 {service['open']['p99_ms']} ms"
            )
            shares = breakdown(bench, 16 if quick else 80)
            if investigate:
                print(explain(bench, "USA"))
                print(profile_lists(bench, 80))
            http = measure_http(bench, folder, url, http_calls, warm_up)
            print(f"  over HTTP p50 {http['all']['p50_ms']} ms, p99 {http['all']['p99_ms']} ms")
            db.dispose()
            gc.unfreeze()
    result = {
        "engine": engine,
        "machine": machine(pg_version),
        "commit": _git_commit(),
        "at": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "busy_before": busy,
        "parameters": {
            "cases": count,
            "list_calls": lists,
            "open_calls": opens,
            "http_calls": http_calls,
            "warm_up_calls": warm_up,
            "page_size": listing.PAGE_SIZE,
            "kinds": [kind.name for kind in KINDS],
            "nation_shares": NATIONS,
            "officer_clearance": {nation: level.name for nation, level in DESK_CLEARANCE.items()},
            "seed": SEED,
            "kdf": "OWASP Argon2id for the officers (set-up), as in production",
            "vacuum_analyze_after_load": engine == "postgresql",
        },
        "data": {
            "stages": corpus.stages,
            "stale": corpus.stale,
            "released": corpus.released,
            "readable_by_officer": {nation: len(ids) for nation, ids in readable.items()},
        },
        "insert": inserted,
        "service": service,
        "profile": shares,
        "http": http,
        "aim": {"list_p99_ms": AIM_LIST_P99_MS},
        "met": {
            "service": service["list"]["all"]["p99_ms"] < AIM_LIST_P99_MS,
            "http": http["all"]["p99_ms"] < AIM_LIST_P99_MS,
        },
        "quick": quick,
    }
    results.mkdir(parents=True, exist_ok=True)
    (results / f"cases-{engine}.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


def _row(what: str, figures: dict[str, Any]) -> str:
    return (
        f"| {what} | {figures['count']} | {figures['p50_ms']} | {figures['p95_ms']} "
        f"| {figures['p99_ms']} | {figures['max_ms']} |"
    )


def _table(result: dict[str, Any]) -> str:
    machine_info, service, http = result["machine"], result["service"], result["http"]
    inserted, data, shares = result["insert"], result["data"], result["profile"]
    version = machine_info["postgres"] or machine_info["sqlite"]
    name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[result["engine"]]
    aim = result["aim"]["list_p99_ms"]
    met = {True: "**met**", False: "**not met**"}
    lines = [
        f"### {name} {version}" + (" (quick run)" if result.get("quick") else ""),
        "",
        f"{result['at']}, commit `{result['commit']['id']}`"
        + (" with uncommitted changes" if result["commit"]["uncommitted_src_changes"] else "")
        + f": {machine_info['cpu_count']} × "
        f"{machine_info['cpu_model']}, {machine_info['memory_gib']} GiB, Python "
        f"{machine_info['python']}. Machine {result['busy_before']:.0%} busy just before.",
        "",
        f"{inserted['cases']:,} cases inserted in {inserted['seconds']} s "
        f"({inserted['cases_per_second']:,} cases/s, with "
        f"{inserted['rows']['case_name_token']:,} name tokens, "
        f"{inserted['rows']['case_label']:,} labels, {inserted['rows']['case_note']:,} notes); "
        f"{data['stale']:,} stale, {data['released']:,} with a release list. Each officer "
        f"reads {min(data['readable_by_officer'].values()):,} to "
        f"{max(data['readable_by_officer'].values()):,} of them.",
        "",
        "| what | calls | p50 ms | p95 ms | p99 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        _row("**list page, all kinds** (`list_cases`)", service["list"]["all"]),
        *(
            _row(f"list page: {kind}", figures)
            for kind, figures in service["list"]["by_kind"].items()
        ),
        _row("**open a case** (`case_view`)", service["open"]),
        _row(f"**list page over HTTP** (`GET {http['page']}`)", http["all"]),
        "",
        f"Aim, list page p99 < {aim:.0f} ms: {met[result['met']['service']]} through the "
        f"service ({service['list']['all']['p99_ms']} ms); over HTTP "
        f"{http['all']['p99_ms']} ms ({met[result['met']['http']]}). "
        f"A list call sends {service['list']['statements_per_call']} statements, an open "
        f"{service['open']['statements_per_call']}. Under cProfile, a list call spends "
        f"{shares['list']['driver']:.0%} in the database driver, "
        f"{shares['list']['crypto']:.0%} in libsodium (opening the page's identities "
        f"{shares['list']['identity_open']:.0%} in all) and {shares['list']['rest']:.0%} in "
        f"SQLAlchemy, the policy hook and Python; an open {shares['open']['driver']:.0%}, "
        f"{shares['open']['crypto']:.0%} and {shares['open']['rest']:.0%}.",
        "",
    ]
    return "\n".join(lines)


def write_readme() -> None:
    tables = [
        _table(json.loads(path.read_text()))
        for engine in ("sqlite", "postgresql")
        if (path := RESULTS_DIR / f"cases-{engine}.json").exists()
    ]
    method = METHOD.replace("CHANGES_TABLE", _changes_table())
    write_section("cases", method + "\n".join(tables))


METHOD = """## Case list (`bench/cases/`)

`.venv/bin/python -m bench.cases [--engine sqlite|postgresql|both] [--cases N] [--quick]`

**Set-up.** For each engine: a fresh database (a SQLite file in a temporary folder; on
PostgreSQL a database of its own, dropped afterwards), `homeward.migrations.upgrade`, new
server keys (`load_server_secrets(..., create=True)`), the default desks, and ten officers per
desk added through `accounts.service.add_officer` with random passwords at the production
Argon2id cost (OWASP; the test profile is not used anywhere): the measured desk officer, two
supervisors and seven desk officers, whose members are the cases' assignees. The measured
officers are cleared SECRET (USA, GBR, DEU) or CONFIDENTIAL (FRA, CAN), so the policy
filter's level test removes cases as well as its nation test. Then N = 100,000 synthetic cases,
written with bulk Core inserts in batches of 2,000 on a session marked `binding.as_system`
(the insert path is not what is measured): owned by USA 30 %, GBR 22 %, FRA 20 %, DEU 15 %,
CAN 13 %; stages weighted to the start (new 16 %, in contact 28 %, identity verified 13 %,
cleared 8 %, then fewer; closed 8 %, exits 11 %); RESTRICTED 60 %, CONFIDENTIAL 30 %, SECRET
10 %; 15 % released to one or two other desks (a fifth of the RESTRICTED ones also to IRQ);
0–3 of ten labels; one or two assignees from the desk; a claimed identity made of common given
and family names drawn at random from about 60 and 80 (nobody in particular), dates of birth
of every precision, sealed with the real tier-2 encryption, with its name tokens from
`cases.identity.name_tokens`; 12 % of the cases in a stage with a time limit have overrun it;
one `case:open` event each; a tier-1 note sealed to the desk key (as `transitions.add_note`
stores it) on every case past "in contact" (one or two) and on 30 % of the others. PostgreSQL
then gets `VACUUM ANALYZE`, which autovacuum would do shortly after such a load; SQLite is not
analysed (Homeward never runs `ANALYZE`).

**List page.** `cases.listing.list_cases` as the page and API handlers call it: one
transaction per call (`Database.transaction`), the officer's principal passed in, the policy
filter attached by `policy.binding`, 50 rows with their labels and decrypted display names,
counts per stage and the stale total. Eight kinds of request in turn, the five officers in
turn: no filter; one stage (new, in contact, identity verified or cleared); one label; a name
(a family name, or given and family name); stale only; one stage by longest in stage;
assigned to me; page 20 of the unfiltered list. 40 warm-up calls, then 320 timed (40 per kind).
**Open a case.** `cases.views.case_view` on a random case the officer may read: decrypts the
identity, the timeline and the notes (unsealing the desk key), writes the `case:read` and
`case:note:read` audit entries and commits them to the Merkle log; 300 timed after warm-up.
**Over HTTP.** The real server, `homeward serve` (uvicorn, one process, production settings
but for the data directory and database), on a free port of 127.0.0.1 and the same database;
each measured officer signs in once through `POST /api/v1/auth/token` (password and TOTP code),
then 100 `GET /officer/cases` (after 40 warm-up), one at a time from an httpx client, with the
same mix of filters as query parameters; timed until the whole HTML page is read. This
includes the session check, the list transaction and the template. Percentiles interpolate
between closest ranks. The script waits (up to 10 minutes) for the machine to be under 15 %
busy before measuring, and freezes its own data (every case id, to pick cases to open) out of
Python's garbage collector (`gc.freeze`), which a server's heap would not hold. Where the
time goes is a second pass of 80 list calls and 80 opens under cProfile (`profile` in the
JSON). `--investigate` prints the engine's plan for every statement of one call of each kind
and a cProfile listing.

**What was changed for the aim.** The first run, on the code as it was, gave a p99 of 207 ms
(SQLite) and 111 ms (PostgreSQL) for the list page: it made three full passes over the
readable cases per call (total, counts per stage, stale total), each reading the wide table
rows (the sealed identity is in them) because no index held what they filter on; the page
itself, the 50 identities (about 1.5 ms) and the labels (one query) were cheap. Changes in
`cases/listing.py` and the migration `0004`, each measured with this script at 100,000 cases
(list page, all kinds, p50 / p99 in ms):

CHANGES_TABLE

Change 4 is for filters whose matches are scattered: the database found them twice (once to
count, once for the page), and for the page both planners walked the sort index past thousands
of other cases (PostgreSQL's name search: 9,600 rows and a probe each for 50 matches). It
applies to the sorts by time only (Python orders datetimes and hex ids as the database does;
text sorts stay with the database's collation), and falls back to the two queries above
20,000 matching cases. That bound is written into the SQL rather than bound as a parameter:
psycopg prepares a statement on its fifth use, and PostgreSQL's generic plan for a
parameterised LIMIT assumed a small one and chose a nested loop taking 100 ms instead of 40.
`tests/cases/test_case_listing_paths.py` checks that both paths give
the same page, ties included, on both engines. Behaviour is otherwise unchanged: the same
filters, the same policy filter on every statement, the same rows and figures.

"""


CHANGES: tuple[tuple[str, dict[str, str]], ...] = (
    (
        "before (commit `670f0eb`)",
        {"sqlite": "141.7 / 207.1", "postgresql": "75.0 / 110.9"},
    ),
    (
        "1. one grouped query gives the counts per stage, the stale total (a summed `CASE`) "
        "and the total, instead of three queries",
        {"sqlite": "90.0 / 119.7", "postgresql": "35.1 / 72.4"},
    ),
    (
        "2. + index `ix_case_file_stage_age` (stage, stage_entered_at, classification, "
        "owner_nation, release): that query reads the index alone (`count(stage)`, not "
        "`count(id)`); stale only 114 → 13 ms p50 on SQLite",
        {"sqlite": "20.8 / 58.2", "postgresql": "27.8 / 73.7"},
    ),
    (
        "3. + index `ix_case_file_stage_updated` (stage, updated_at): one stage's page by last "
        "change is walked in order, not sorted; one stage 31 → 19 ms p50 on SQLite",
        {"sqlite": "19.8 / 56.5", "postgresql": "28.1 / 76.3"},
    ),
)
"""Runs of this script (one series, 2026-11-25, the machine quiet) on the code after each
change (list page, all kinds, p50 / p99 ms); the table's last row is the current result."""


def _changes_table() -> str:
    rows = ["| change | SQLite | PostgreSQL |", "| --- | ---: | ---: |"]
    rows += [f"| {what} | {done['sqlite']} | {done['postgresql']} |" for what, done in CHANGES]
    now: dict[str, str] = {}
    kind: dict[str, dict[str, Any]] = {}
    for engine in ("sqlite", "postgresql"):
        path = RESULTS_DIR / f"cases-{engine}.json"
        listed = json.loads(path.read_text())["service"]["list"] if path.exists() else {}
        figures = listed.get("all", {})
        now[engine] = f"{figures.get('p50_ms')} / {figures.get('p99_ms')}"
        kind[engine] = {name: f.get("p50_ms") for name, f in listed.get("by_kind", {}).items()}
    rows.append(
        "| 4. + a label, assignee, name or stale-only filter reads its cases' keys once; the "
        "counts, total and page come from that read, then the page's 50 are loaded by id; "
        f"label 55 → {kind['sqlite'].get('label')} ms p50 on SQLite, name search 68 → "
        f"{kind['postgresql'].get('name search')} and stale only 46 → "
        f"{kind['postgresql'].get('stale only')} on PostgreSQL (the current code: this run) "
        f"| {now['sqlite']} | {now['postgresql']} |"
    )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="few calls, to check it runs")
    parser.add_argument(
        "--investigate", action="store_true", help="print query plans and a cProfile of lists"
    )
    parser.add_argument(
        "--results",
        type=Path,
        help="write the JSON here and leave bench/README.md alone (to compare code versions)",
    )
    args = parser.parse_args(argv)
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    for engine in engines:
        run_engine(engine, args.cases, args.quick, args.investigate, args.results or RESULTS_DIR)
    if args.results is None:
        write_readme()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
