"""Debrief benchmark: 10,000 reports over 300 cases with mixed labels; a list page, opening a
report (the audited read with unsealing), exporting a report as a 200-object signed STIX
bundle and importing it into a partner installation (p50/p95/p99/max), through the services
and over HTTP through the API; SQLite and PostgreSQL.

.venv/bin/python -m bench.debrief [--engine sqlite|postgresql|both] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from bench.debrief import data
from bench.harness import server as harness_server
from bench.harness.machine import backend_cpu, code_version, machine, machine_cpu, wait_for_quiet
from bench.harness.readme import RESULTS_DIR, write_section
from bench.harness.server import LOOPBACK, database
from bench.harness.stats import percentiles
from homeward import migrations
from homeward.accounts import service as accounts_service
from homeward.core.db import utcnow
from homeward.core.runtime import Runtime
from homeward.core.settings import Settings
from homeward.debrief import service as debrief
from homeward.debrief import stix

POSTGRES_URL = os.environ.get("HOMEWARD_BENCH_POSTGRES_URL", harness_server.DEFAULT_POSTGRES_URL)
SEED = 20261207
PAGE = 50
"""A list page as the officer pages show it."""
PAGES = 10
"""The list is read at a random one of its first ten pages."""
OPENED_IDS = 2000
"""Per reader, the visible reports a random one is opened from (the newest, by the list)."""
QUIET_WAIT_SECONDS = 60.0
BUNDLE_OBJECTS = 200


@dataclass(frozen=True)
class Sizes:
    reports: int
    cases: int
    list_calls: int
    open_calls: int
    export_calls: int
    http_calls: int
    warm_up: int

    @classmethod
    def make(cls, *, quick: bool) -> Sizes:
        if quick:
            return cls(
                reports=300,
                cases=20,
                list_calls=20,
                open_calls=20,
                export_calls=8,
                http_calls=10,
                warm_up=2,
            )
        return cls(
            reports=10_000,
            cases=300,
            list_calls=500,
            open_calls=500,
            export_calls=200,
            http_calls=300,
            warm_up=20,
        )


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
    PostgreSQL backends (a share of all cores): other people's work, which skews the figures."""

    database_names: list[str]
    other_share: float = 0.0

    def _backends(self) -> float:
        return sum(backend_cpu(name) for name in self.database_names)

    @contextmanager
    def measured(self) -> Iterator[None]:
        busy, total = machine_cpu()
        own = time.process_time()
        backends = self._backends()
        yield
        busy_after, total_after = machine_cpu()
        ours = time.process_time() - own + self._backends() - backends
        other = busy_after - busy - ours
        self.other_share = round(max(0.0, other) / max(1e-9, total_after - total), 3)


@dataclass
class Installation:
    runtime: Runtime
    world: data.World
    database_name: str | None
    counter: StatementCounter = field(init=False)

    def __post_init__(self) -> None:
        self.counter = StatementCounter(self.runtime.db.engine)


def _timed(
    where: Installation, names: list[str], count: int, warm_up: int, call: Callable[[int], None]
) -> dict[str, Any]:
    for number in range(warm_up):
        call(number)
    where.counter.reset()
    load = Load(names)
    taken = []
    with load.measured():
        for number in range(warm_up, warm_up + count):
            began = time.perf_counter()
            call(number)
            taken.append(time.perf_counter() - began)
    return {
        **percentiles(taken),
        "statements_per_call": round(where.counter.reset() / count, 1),
        "other_share": load.other_share,
    }


READERS = [
    (nation, role) for nation in data.OWNERS for role in ("debriefer", "officer", "supervisor")
]


def visible(home: Installation) -> dict[str, list[str]]:
    """Per reader the ids its list shows (all of them, paged through the service) and how many."""
    runtime, found = home.runtime, {}
    for nation, role in READERS:
        officer = home.world.officer(nation, role)
        ids: list[str] = []
        while True:
            with runtime.db.transaction() as session:
                page = debrief.reports(
                    session=session,
                    secrets=runtime.secrets,
                    principal=officer.keyring.principal,
                    limit=debrief.PAGE_MAX,
                    offset=len(ids),
                )
            ids += [one.id for one in page]
            if len(page) < debrief.PAGE_MAX:
                break
        found[officer.username] = ids
    return found


def measure_services(
    home: Installation,
    partner: Installation,
    shown: dict[str, list[str]],
    sizes: Sizes,
    rng: random.Random,
) -> tuple[dict[str, Any], list[stix.SignedBundle]]:
    runtime, world = home.runtime, home.world
    names = [n for n in (home.database_name, partner.database_name) if n]

    def reader(number: int) -> data.Officer:
        return world.officer(*READERS[number % len(READERS)])

    def list_page(number: int) -> None:
        officer = reader(number)
        with runtime.db.transaction() as session:
            debrief.reports(
                session=session,
                secrets=runtime.secrets,
                principal=officer.keyring.principal,
                limit=PAGE,
                offset=PAGE * rng.randrange(PAGES),
            )

    def open_one(number: int) -> None:
        officer = reader(number)
        report_id = rng.choice(shown[officer.username][:OPENED_IDS])
        with runtime.db.transaction() as session:
            debrief.open_report(
                session=session,
                keyring=officer.keyring,
                secrets=runtime.secrets,
                report_id=report_id,
            )

    bundles: list[stix.SignedBundle] = []

    def export_one(number: int) -> None:
        with runtime.db.transaction() as session:
            signed = stix.export_report(
                session=session,
                keyring=world.officer("FRA", "debriefer").keyring,
                secrets=runtime.secrets,
                settings=runtime.settings,
                report_id=world.big[number],
            )
        objects = len(signed.bundle["objects"])
        if objects != BUNDLE_OBJECTS:
            raise SystemExit(f"a big report's bundle holds {objects} objects, not 200")
        bundles.append(signed)

    gbr = partner.world.officer("GBR", "debriefer")

    def import_one(number: int) -> None:
        with partner.runtime.db.transaction() as session:
            stix.import_bundle(
                session=session,
                keyring=gbr.keyring,
                secrets=partner.runtime.secrets,
                settings=partner.runtime.settings,
                case_id=rng.choice(partner.world.cases["GBR"]),
                signed=bundles[number],
            )

    results = {
        "list": _timed(home, names, sizes.list_calls, sizes.warm_up, list_page),
        "open": _timed(home, names, sizes.open_calls, sizes.warm_up, open_one),
        "export": _timed(home, names, sizes.export_calls, sizes.warm_up, export_one),
        "import": _timed(partner, names, sizes.export_calls, sizes.warm_up, import_one),
    }
    results["export"]["bundle_bytes"] = round(
        sum(len(stix.canonical(b.bundle)) for b in bundles) / len(bundles)
    )
    return results, bundles


@contextmanager
def serving(settings: Settings) -> Iterator[int]:
    """`homeward serve` (uvicorn, one process) on a free loopback port, production settings
    but for the data directory and database; stopped afterwards."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("HOMEWARD_")}
    env.update(
        {
            "HOMEWARD_DATA_DIR": str(settings.data_dir),
            "HOMEWARD_DATABASE_URL": settings.database_url,
        }
    )
    log = settings.data_dir / "server.log"
    with harness_server.running_server(env, log) as (port, _pid):
        yield port


def measure_http(
    home: Installation, shown: dict[str, list[str]], sizes: Sizes, rng: random.Random
) -> dict[str, Any]:
    """The API as a client calls it: each reader signs in once (password and TOTP code) for a
    bearer token, then list pages, opened reports and 200-object exports, one at a time."""
    runtime, world = home.runtime, home.world
    with runtime.db.transaction() as session:
        codes = {}
        for nation, role in READERS:
            officer = world.officer(nation, role)
            found = accounts_service.get_officer(session=session, officer_id=officer.officer_id)
            assert found is not None
            codes[officer.username] = accounts_service.totp_now(
                secrets=runtime.secrets, officer=found
            )
    runtime.db.dispose()  # the server holds the database alone meanwhile (one SQLite writer)
    names = [home.database_name] if home.database_name else []
    figures: dict[str, Any] = {}
    with (
        serving(runtime.settings) as port,
        httpx.Client(base_url=f"http://{LOOPBACK}:{port}", trust_env=False, timeout=60) as client,
    ):
        tokens = {}
        for nation, role in READERS:
            officer = world.officer(nation, role)
            answer = client.post(
                "/api/v1/auth/token",
                json={
                    "username": officer.username,
                    "password": officer.password,
                    "code": codes[officer.username],
                },
            )
            if answer.status_code != 200:
                log = (runtime.settings.data_dir / "server.log").read_text("utf-8", "replace")
                raise SystemExit(
                    f"sign-in answered {answer.status_code} {answer.text[:300]}; the server log:\n"
                    + log[-3000:]
                )
            tokens[officer.username] = answer.json()["token"]

        def get(path: str, username: str, **params: Any) -> httpx.Response:
            answer = client.get(
                path, params=params, headers={"Authorization": f"Bearer {tokens[username]}"}
            )
            if answer.status_code != 200:
                raise SystemExit(f"{path} answered {answer.status_code}: {answer.text[:200]}")
            return answer

        def reader(number: int) -> str:
            return world.officer(*READERS[number % len(READERS)]).username

        calls: dict[str, Callable[[int], httpx.Response]] = {
            "list": lambda n: get(
                "/api/v1/debrief/reports",
                reader(n),
                limit=PAGE,
                offset=PAGE * rng.randrange(PAGES),
            ),
            "open": lambda n: get(
                f"/api/v1/debrief/reports/{rng.choice(shown[reader(n)][:OPENED_IDS])}",
                reader(n),
            ),
            "export": lambda n: get(
                f"/api/v1/debrief/reports/{world.big[n % len(world.big)]}/stix",
                world.officer("FRA", "debriefer").username,
            ),
        }
        for what, call in calls.items():
            for number in range(sizes.warm_up):
                call(number)
            taken, sizes_seen = [], []
            load = Load(names)
            with load.measured():
                for number in range(sizes.warm_up, sizes.warm_up + sizes.http_calls):
                    began = time.perf_counter()
                    answer = call(number)
                    taken.append(time.perf_counter() - began)
                    sizes_seen.append(len(answer.content))
            figures[what] = {
                **percentiles(taken),
                "other_share": load.other_share,
                "mean_bytes": round(sum(sizes_seen) / len(sizes_seen)),
            }
    return figures


def _runtime(folder: Path, url: str) -> Runtime:
    """Production settings (as `homeward serve` reads them) whatever this process's
    environment says, so the server unlocks the officers the bench made."""
    settings = Settings(data_dir=folder, database_url=url, kdf_profile="owasp", testing=False)
    return Runtime.from_settings(settings, create_keys=True)


def _vacuum(runtime: Runtime) -> None:
    with runtime.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def _name(engine: str, url: str) -> str | None:
    return urlsplit(url).path.lstrip("/") if engine == "postgresql" else None


def run_engine(engine: str, sizes: Sizes, quick: bool) -> dict[str, Any]:
    print(f"[{engine}]", flush=True)
    rng = random.Random(SEED)
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        (folder / "home").mkdir()
        (folder / "partner").mkdir()
        with (
            database(engine, POSTGRES_URL, folder / "home", label="debrief") as (url, pg_version),
            database(engine, POSTGRES_URL, folder / "partner", label="debrief_partner") as (
                partner_url,
                _,
            ),
        ):
            migrations.upgrade(url)
            migrations.upgrade(partner_url)
            home_runtime = _runtime(folder / "home", url)
            partner_runtime = _runtime(folder / "partner", partner_url)
            # The partner knows FRA's exchange key, as `data/debrief/partners.json` says it.
            exchange = partner_runtime.settings.data_dir / "debrief"
            exchange.mkdir(parents=True)
            key = stix.exchange_public_key(home_runtime.secrets, "FRA").hex()
            (exchange / "partners.json").write_text(json.dumps({"FRA": key}))
            started = time.perf_counter()
            world = data.add_officers(home_runtime, (*data.OWNERS, "DEU"))  # DEU: a desk key
            data.open_cases(home_runtime, world, rng, sizes.cases, data.OWNERS)
            partner_world = data.add_officers(partner_runtime, ("GBR",))
            data.open_cases(partner_runtime, partner_world, rng, 10, {"GBR": 1})
            setup_seconds = time.perf_counter() - started
            big = sizes.export_calls + sizes.warm_up
            seeded = data.write_reports(home_runtime, world, rng, sizes.reports, big)
            print(f"  wrote {seeded['reports']:,} reports in {seeded['seconds']} s", flush=True)
            if len(world.big) < big:
                raise SystemExit(f"only {len(world.big)} big reports for {big} exports")
            if engine == "postgresql":
                _vacuum(home_runtime)  # what autovacuum does to freshly loaded tables soon after
            home = Installation(home_runtime, world, _name(engine, url))
            partner = Installation(partner_runtime, partner_world, _name(engine, partner_url))
            shown = visible(home)
            busy = wait_for_quiet(0.0 if quick else QUIET_WAIT_SECONDS)
            services, _bundles = measure_services(home, partner, shown, sizes, rng)
            for what, figures in services.items():
                print(f"  {what} p99 {figures['p99_ms']} ms", flush=True)
            partner_runtime.close()
            http = measure_http(home, shown, sizes, rng)
            for what, figures in http.items():
                print(f"  {what} over HTTP p99 {figures['p99_ms']} ms", flush=True)
            home_runtime.close()
    return {
        "engine": engine,
        "machine": machine(pg_version),
        "code": code_version(),
        "at": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "busy_before": round(busy, 3),
        "quick": quick,
        "run_seconds": round(time.perf_counter() - began, 1),
        "parameters": {
            "sizes": sizes.__dict__,
            "owners": data.OWNERS,
            "levels": {str(k): v for k, v in data.LEVELS.items()},
            "releases": {"+".join(k) or "none": v for k, v in data.RELEASES.items()},
            "caveats": {"+".join(k) or "none": v for k, v in data.CAVEATS.items()},
            "page": PAGE,
            "pages": PAGES,
            "bundle_objects": BUNDLE_OBJECTS,
            "seed": SEED,
            "kdf": "OWASP Argon2id for the officers (set-up), as in production",
            "vacuum_analyze_after_load": engine == "postgresql",
        },
        "data": {
            "setup_seconds": round(setup_seconds, 1),
            "seeded": seeded,
            "visible": {name: len(ids) for name, ids in shown.items()},
        },
        "services": services,
        "http": http,
    }


# --- bench/README.md -----------------------------------------------------------------------

METHOD = """## Debriefs: list, open, export and import (`bench/debrief/`)

`.venv/bin/python -m bench.debrief [--engine sqlite|postgresql|both] [--quick]`

**Set-up.** For each engine two installations (two fresh databases: SQLite files in a
temporary folder; on PostgreSQL databases of their own, dropped afterwards), each migrated,
with new server keys. *Home*: a desk officer, a debriefer and a supervisor of FRA and of GBR
(cleared SECRET, production Argon2id cost; the debriefers and supervisors hold the caveats
ORCON, HUMINT and LIMDIS for FRA, ORCON for GBR), 300 cases opened through
`cases.service.open_case` (FRA 70 %, GBR 30 %), then 10,000 reports written one by one through
`debrief.service.write` (transactions of 100; the audit entries and release decisions
included) by the desks' debriefers: level RESTRICTED (the floor) 45 %, CONFIDENTIAL
40 %, SECRET 15 %; not released 55 %, released to the other desk 35 %, to it and DEU 10 %;
no caveat 60 %, ORCON 25 %, HUMINT 10 %, LIMDIS 5 % (GBR writes only ORCON); open to every
role 70 %, to debriefers and supervisors only 30 %; a fifth of those below SECRET with a
SECRET `methods` section; 0 to 3 entries a section. Among them 220 FRA reports released to
GBR with ORCON whose exported bundle holds exactly **200 STIX objects** (192 entries, the
owner's identity, five markings, the released subject, the report). *Partner*: a GBR desk
officer, debriefer and supervisor and 10 GBR cases, knowing FRA's exchange key through
`debrief/partners.json`. PostgreSQL then gets `VACUUM ANALYZE`.

**Through the services**, each call a whole transaction (`Database.transaction`, commit and
the audit log's append included), the six officers of Home in turn: *list page*:
`debrief.service.reports` (50 a page, at a random one of the first ten pages; the policy
binding's compartment clause in the SQL, each title opened); *open*: `open_report` of a
random report among the 2,000 newest the reader's list shows (the content key unsealed with
the reader's desk key, the body decrypted, the audited read); *export*: `stix.export_report`
by the FRA debriefer of a different 200-object report each time (the bundle built with
stix2, signed with Ed25519, audited); *import*: each of those bundles through
`stix.import_bundle` by the partner's GBR debriefer (signature checked, `stix2.parse`, the
markings read back, the report stored sealed to the GBR desk), committed. 500 list and open
calls, 200 exports and imports, after 20 warm-up each. **Over HTTP**: `homeward serve`
(uvicorn, one process, production settings) on Home's data directory and database; each
reader signs in once through `POST /api/v1/auth/token` (password, TOTP code) and the bearer
token is sent with 300 calls each (after 20 warm-up) of `GET /api/v1/debrief/reports?limit=50
&offset=`, `GET /api/v1/debrief/reports/{id}` and `GET /api/v1/debrief/reports/{id}/stix`,
one at a time from an httpx client. *other* is the share of the machine's CPU used by other
work during the phase (this process and the run's PostgreSQL backends left out; over HTTP the
server's own process is counted in it, so there it overstates other people's work).

"""


def _row(what: str, figures: dict[str, Any], extra: str = "") -> str:
    return (
        f"| {what} | {figures['count']} | {figures['p50_ms']} | {figures['p95_ms']} "
        f"| {figures['p99_ms']} | {figures['max_ms']} | {figures['other_share']:.0%} | {extra} |"
    )


def _table(result: dict[str, Any]) -> str:
    info, seeded = result["machine"], result["data"]["seeded"]
    services, http = result["services"], result["http"]
    name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[result["engine"]]
    version = info["postgres"] or info["sqlite"]
    changed = result["code"]["uncommitted_source_changes"]
    seen = result["data"]["visible"]
    lines = [
        f"### {name} {version}" + (" (quick run)" if result["quick"] else ""),
        "",
        f"{result['at']}, commit `{result['code']['commit'][:10]}`"
        + (" with uncommitted changes to src/" if changed else "")
        + f": {info['cpu_count']} × {info['cpu_model']}, {info['memory_gib']} GiB, Python "
        f"{info['python']}, SQLite {info['sqlite']}"
        + (f", PostgreSQL {info['postgres']}" if info["postgres"] else "")
        + f". Machine {result['busy_before']:.0%} busy just before; the whole run took "
        f"{result['run_seconds']:.0f} s.",
        "",
        f"{seeded['reports']:,} reports ({seeded['big']} of 200 objects) written through the "
        f"service in {seeded['seconds']} s. Reports each reader's list shows: "
        + ", ".join(f"{who.removeprefix('bench.')} {n:,}" for who, n in seen.items())
        + ".",
        "",
        "| what | calls | p50 ms | p95 ms | p99 ms | max ms | other | |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        _row(
            "list page (`reports`, 50)",
            services["list"],
            f"{services['list']['statements_per_call']} statements",
        ),
        _row(
            "**open a report** (`open_report`)",
            services["open"],
            f"{services['open']['statements_per_call']} statements",
        ),
        _row(
            "**export, 200 objects** (`export_report`)",
            services["export"],
            f"{services['export']['statements_per_call']} statements; "
            f"{services['export']['bundle_bytes']:,} bytes a bundle",
        ),
        _row(
            "import it (`import_bundle`, partner)",
            services["import"],
            f"{services['import']['statements_per_call']} statements",
        ),
        _row("list over HTTP", http["list"], f"{http['list']['mean_bytes']:,} bytes"),
        _row("open over HTTP", http["open"], f"{http['open']['mean_bytes']:,} bytes"),
        _row("export over HTTP", http["export"], f"{http['export']['mean_bytes']:,} bytes"),
        "",
    ]
    return "\n".join(lines)


def _reading(results: dict[str, dict[str, Any]]) -> str:
    """A few sentences on what the figures say, their numbers read from the results."""
    if set(results) != {"sqlite", "postgresql"}:
        return ""
    lite, pg = results["sqlite"]["services"], results["postgresql"]["services"]
    export, imported, listed = pg["export"], pg["import"], pg["list"]
    text = (
        "**Reading it.** There is no aim in the issue; these are the figures an officer would "
        "wait for. Opening a report (the audited read, the content key unsealed with the "
        f"reader's desk key) takes p99 {pg['open']['p99_ms']} ms on PostgreSQL and "
        f"{lite['open']['p99_ms']} ms on SQLite. Exporting a 200-object bundle "
        f"({export['bundle_bytes']:,} bytes) takes p99 {export['p99_ms']} ms on PostgreSQL "
        f"(p50 {export['p50_ms']}) and {lite['export']['p99_ms']} ms on SQLite (p50 "
        f"{lite['export']['p50_ms']}); importing it {imported['p99_ms']} and "
        f"{lite['import']['p99_ms']} ms. Both are Python work more than the database's: "
        f"{export['statements_per_call']:.0f} and {imported['statements_per_call']:.0f} "
        "statements a call; the rest is building and validating 200 stix2 objects, the "
        "canonical JSON and the Ed25519 signature (export), or `stix2.parse`, the markings "
        "read back and the body sealed (import). The list page is the one to watch: "
        f"{listed['statements_per_call']:.0f} to {lite['list']['statements_per_call']:.0f} "
        f"statements, but p50 {listed['p50_ms']} ms on PostgreSQL and "
        f"{lite['list']['p50_ms']} ms on SQLite for 50 rows, most likely because the "
        "compartment clause (nested REPLACE over the caveats, the release list and the reader "
        "roles) is evaluated on each candidate report and the survivors sorted before the "
        "page is cut, so it grows with the number of reports (query plans not examined yet). "
        "Both runs were on the shared two-core machine with other work running (the *other* "
        "column): read these as upper bounds, and the difference between the engines as "
        "partly the load's. How much the load moves them: a first SQLite run on 7 December "
        "2026, with other work taking 87 % of the machine throughout, measured p99 2.5 to 6 "
        "times these (list 293 ms, open 92, export 897, import 497)."
    )
    return textwrap.fill(text, width=95, break_on_hyphens=False) + "\n"


def write_readme() -> None:
    results = {
        engine: json.loads(path.read_text())
        for engine in ("sqlite", "postgresql")
        if (path := RESULTS_DIR / f"debrief-{engine}.json").exists()
    }
    tables = [_table(result) for result in results.values()]
    write_section("debrief", METHOD + "\n".join(tables) + "\n" + _reading(results))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
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
        (folder / f"debrief-{engine}.json").write_text(json.dumps(result, indent=2) + "\n")
    if args.results is None:
        write_readme()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
