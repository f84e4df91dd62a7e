"""Contact intake benchmark: the real server (`homeward serve`) on loopback, many contacts at once.

Why this shape: the figure the design holds Homeward to is "submissions per second and p99
latency under concurrent load on loopback, with nothing lost". So the server runs as it would
in production (a subprocess, the OWASP Argon2id cost, no test profile), each simulated contact
has its own cookie jar and connection, and after the run the message table is counted and
compared with the number of messages the server said it accepted (303 answers).

Figures reported separately because they cost very different things:
  (a) messages from signed-in contacts (sessions made before timing starts): at the aim's rate
      of 50 a second, flat out with 32 contacts, and one at a time (for a CPU breakdown);
  (b) first contacts (POST /start) and returns with a codename (POST /signin), which each pay
      one Argon2id derivation on purpose; the share of the time that derivation takes is
      estimated from an in-process measurement of `homeward.crypto.codename.derive`.

Run: .venv/bin/python -m bench.intake [--engine sqlite|postgresql|both] [--quick]
Results: bench/results/intake-<engine>.json and a section of bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.harness.contacts import (
    AIM_MESSAGES_PER_SECOND,
    Messages,
    Outcome,
    Parameters,
    Phase,
    Target,
    bench_messages,
    count_rows,
    first_contact,
    form_token,
    letter,
    new_client,
    run_phase,
    server_env,
    set_up,
    timed,
)
from bench.harness.machine import (
    code_version,
    machine,
    wait_for_quiet,
)
from bench.harness.readme import (
    RESULTS_DIR,
    write_section,
)
from bench.harness.server import (
    DEFAULT_POSTGRES_URL,
    database,
    running_server,
)
from bench.harness.stats import (
    ms,
)
from homeward.accounts import sessions
from homeward.audit import log as audit_log
from homeward.contact import service as contact_service
from homeward.core.runtime import Runtime
from homeward.core.settings import Settings
from homeward.crypto import codename as codenames
from homeward.crypto import sealing

AIM_P99_MS = 300.0
RESULT_FORMAT = 3
"""Bumped when the result files change shape; older files are left out of the README."""
QUIET_WAIT_SECONDS = 600.0
DISTURBED_SHARE = 0.05


# --- machine -----------------------------------------------------------------------------


# --- databases and server ----------------------------------------------------------------


# --- the simulated contacts --------------------------------------------------------------


async def bench_first_contacts(target: Target, params: Parameters) -> tuple[Phase, list[str]]:
    """(b) first contacts: a fresh browser each, landing page then POST /start."""
    phase = Phase("first_contacts", params.first_contacts, params.contact_clients, 200)
    issued: list[str] = []

    async def start(_worker: int, _item: int) -> Outcome:
        async with new_client(target.port) as client:
            outcome, codename = await first_contact(client)
        if codename is not None:
            issued.append(codename)
        return outcome

    await run_phase(phase, target, start)
    return phase, issued


async def bench_returns(target: Target, params: Parameters, codename_list: list[str]) -> Phase:
    """(b) returns: a fresh browser each, landing page then POST /signin with a codename."""
    phase = Phase("returns", params.returns, params.contact_clients, 303)

    async def sign_in(_worker: int, item: int) -> Outcome:
        async with new_client(target.port) as client:
            token = await form_token(client, "/en")
            if isinstance(token, Outcome):
                return token
            form = {"csrf": token, "codename": codename_list[item % len(codename_list)]}
            outcome, _ = await timed(client.post("/en/signin", data=form))
        return outcome

    await run_phase(phase, target, sign_in)
    return phase


# --- Argon2id cost -----------------------------------------------------------------------


def measure_kdf(runs: int) -> dict[str, Any]:
    """The derivation every /start and /signin pays, timed in this process at the OWASP cost."""
    pepper = sealing.random_bytes()
    wall: list[float] = []
    cpu: list[float] = []
    codenames.derive(codenames.generate(), pepper, sealing.OWASP)  # warm the word list
    for _ in range(runs):
        name = codenames.generate()
        began, began_cpu = time.perf_counter(), time.process_time()
        codenames.derive(name, pepper, sealing.OWASP)
        wall.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    return {
        "runs": runs,
        "opslimit": sealing.OWASP.opslimit,
        "memlimit_mib": sealing.OWASP.memlimit // (1024 * 1024),
        "wall_ms_median": ms(statistics.median(wall)),
        "wall_ms_min": ms(min(wall)),
        "wall_ms_max": ms(max(wall)),
        "cpu_ms_median": ms(statistics.median(cpu)),
    }


def kdf_share(phase: Phase, kdf: dict[str, Any], cores: int, concurrency: int) -> dict[str, Any]:
    """How much of a KDF-paying phase is Argon2id (method in bench/README.md)."""
    per_run = kdf["cpu_ms_median"] / 1000
    kdf_seconds = phase.accepted * per_run
    return {
        "kdf_seconds": round(kdf_seconds, 3),
        "share_of_server_cpu": round(kdf_seconds / phase.server_cpu_seconds, 3),
        "share_of_machine": round(kdf_seconds / (phase.wall_seconds * cores), 3),
        "kdf_bound_ceiling_per_second": round(min(cores, concurrency) / per_run, 1),
    }


# --- where a message's CPU goes ----------------------------------------------------------


@contextmanager
def clocked(module: Any, name: str, spent: defaultdict[str, float], label: str) -> Iterator[None]:
    """Add the thread CPU time of every call to `module.name` to `spent[label]`; restored
    afterwards. Only for the in-process breakdown below."""
    original = getattr(module, name)

    def timed_call(*args: Any, **kwargs: Any) -> Any:
        began = time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            spent[label] += time.thread_time() - began

    setattr(module, name, timed_call)
    try:
        yield
    finally:
        setattr(module, name, original)


def message_breakdown(
    data_dir: Path, database_url: str, params: Parameters, alone: Phase
) -> dict[str, float]:
    """Server CPU per message, split. The two transactions POST /write runs (session check,
    then store) are replayed in this process, one message at a time, on the server's database
    after the run; the rest of the server's CPU per message sent one at a time (`alone`) is
    HTTP parsing, multipart, routing, templates of nothing (a 303) and thread hand-offs."""
    runtime = Runtime.from_settings(
        Settings(data_dir=data_dir, database_url=database_url, kdf_profile="owasp")
    )
    idle = timedelta(minutes=runtime.settings.contact_idle_minutes)
    rng = random.Random(7)
    texts = [letter(rng, params.text_chars) for _ in range(params.breakdown_messages + 20)]
    spent: defaultdict[str, float] = defaultdict(float)
    try:
        with runtime.db.transaction() as session:
            _codename, contact, keys = contact_service.start(
                session=session, secrets=runtime.secrets, cost=runtime.cost
            )
            token = sessions.create(
                session=session,
                kind=sessions.CONTACT,
                subject_id=contact.id,
                secret=keys.pack(),
                idle=idle,
                lifetime=timedelta(hours=1),
            )

        def one(text: str) -> None:
            began = time.thread_time()
            with runtime.db.transaction() as session:
                opened = sessions.load(
                    session=session, token=token, kind=sessions.CONTACT, idle=idle
                )
            spent["session_check"] += time.thread_time() - began
            began = time.thread_time()
            with runtime.db.transaction() as session:
                contact_service.write(
                    session=session,
                    secrets=runtime.secrets,
                    contact_id=opened.subject_id,
                    keys=keys,
                    text=text,
                    desk_code="FRA",
                    files=[],
                    max_chars=runtime.settings.message_max_chars,
                )
            spent["store"] += time.thread_time() - began

        for text in texts[:20]:  # warm the statement caches first
            one(text)
        spent.clear()
        with (
            clocked(contact_service, "contains_codename", spent, "codename_check"),
            clocked(audit_log, "append", spent, "audit_append"),
        ):
            for text in texts[20:]:
                one(text)
    finally:
        runtime.close()
    per = {key: value * 1000 / params.breakdown_messages for key, value in spent.items()}
    server = alone.server_cpu_seconds * 1000 / max(1, alone.count)
    return {
        "server_cpu_ms_per_message_alone": round(server, 2),
        "http_asgi_multipart_threads_ms": round(server - per["session_check"] - per["store"], 2),
        "session_check_transaction_ms": round(per["session_check"], 2),
        "store_transaction_ms": round(per["store"], 2),
        "of_which_audit_log_append_ms": round(per["audit_append"], 2),
        "of_which_codename_check_ms": round(per["codename_check"], 2),
        "database_cpu_ms_per_message_alone": round(
            alone.database_cpu_seconds * 1000 / max(1, alone.count), 2
        ),
    }


# --- one engine --------------------------------------------------------------------------


async def measure(target: Target, params: Parameters, database_url: str) -> dict[str, Any]:
    messages = await bench_messages(target, params)
    stored = count_rows(database_url)
    first, issued = await bench_first_contacts(target, params)
    returns = await bench_returns(target, params, issued or messages.codenames)
    return {
        "messages": messages,
        "stored": stored,
        "first_contacts": first,
        "returns": returns,
    }


def run_engine(engine: str, params: Parameters, postgres_url: str) -> dict[str, Any]:
    busy_before = wait_for_quiet(QUIET_WAIT_SECONDS)
    load_before = os.getloadavg()[0]
    code = code_version()  # before the run: what the server is about to import
    kdf = measure_kdf(params.kdf_runs)  # before the server starts: an idle machine
    with tempfile.TemporaryDirectory(prefix="hw-bench-intake-") as tmp:
        data_dir = Path(tmp) / "var"
        with database(engine, postgres_url, data_dir) as (database_url, pg_version):
            env = server_env(data_dir, database_url, params)
            set_up(env, data_dir, database_url)
            try:
                with running_server(env, Path(tmp) / "server.log") as (port, pid):
                    name = urlsplit(database_url).path.lstrip("/") if pg_version else None
                    target = Target(port, pid, name)
                    got = asyncio.run(measure(target, params, database_url))
            except BaseException:
                print((Path(tmp) / "server.log").read_text("utf-8", "replace")[-4000:])
                raise
            blob_files = sum(1 for _ in (data_dir / "blobs").glob("*"))
            breakdown = message_breakdown(data_dir, database_url, params, got["messages"].alone)
    cores = os.cpu_count() or 1
    messages: Messages = got["messages"]
    stored = got["stored"]
    paced = messages.paced.summary()
    paced["offered_per_second"] = params.paced_rate
    summary = messages.saturated.summary()
    accepted = sum(p.accepted for p in (messages.paced, messages.saturated, messages.alone))
    summary.update(
        accepted_all_runs=accepted,
        messages_stored=stored["messages"],
        attachments_accepted=messages.accepted_files,
        attachments_stored=stored["attachments"],
        blob_files=blob_files,
        lost=accepted - stored["messages"],
    )
    phases: list[Phase] = [messages.paced, messages.saturated, messages.alone]
    phases += [got["first_contacts"], got["returns"]]
    timed_wall = sum(p.wall_seconds for p in phases)
    other = sum(max(0.0, p.machine_busy_seconds - p.ours) for p in phases)
    first = got["first_contacts"].summary()
    first.update(kdf_share(got["first_contacts"], kdf, cores, params.kdf_concurrency))
    returns = got["returns"].summary()
    returns.update(kdf_share(got["returns"], kdf, cores, params.kdf_concurrency))
    return {
        "benchmark": "intake",
        "format": RESULT_FORMAT,
        "engine": engine,
        "when": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(pg_version),
        "conditions": {
            "busy_share_before": round(busy_before, 3),
            "load_average_1min_before": round(load_before, 2),
            "other_cpu_seconds": round(other, 2),
            "other_share_of_machine": round(other / (timed_wall * cores), 3),
        },
        "parameters": asdict(params),
        "server": "homeward serve (uvicorn, one process), OWASP Argon2id, no test profile",
        "code": code,
        "kdf": kdf,
        "message_cpu_breakdown": breakdown,
        "messages_paced": paced,
        "messages_alone": got["messages"].alone.summary(),
        "messages": summary,
        "first_contacts": first,
        "returns": returns,
        "aims": {
            "messages_per_second_at_least": AIM_MESSAGES_PER_SECOND,
            "p99_ms_under": AIM_P99_MS,
            # At the aim's rate: the offered 50/s all accepted in time, p99 under 300 ms.
            "met_at_aim_rate": paced["accepted"] == paced["count"]
            and paced["per_second"] >= AIM_MESSAGES_PER_SECOND * 0.98
            and paced["latency_ms"]["p99"] < AIM_P99_MS
            and summary["lost"] == 0,
            # Flat out with every client sending back to back.
            "met_at_saturation": summary["per_second"] >= AIM_MESSAGES_PER_SECOND
            and summary["latency_ms"]["p99"] < AIM_P99_MS
            and summary["lost"] == 0,
        },
    }


# --- report ------------------------------------------------------------------------------


def _table(result: dict[str, Any]) -> str:
    m, paced = result["messages"], result["messages_paced"]
    f, r = result["first_contacts"], result["returns"]
    mach, params, kdf = result["machine"], result["parameters"], result["kdf"]
    cond, aims = result["conditions"], result["aims"]
    cut = result["message_cpu_breakdown"]
    engine = f"PostgreSQL {mach['postgres']}" if mach["postgres"] else f"SQLite {mach['sqlite']}"
    rows = [
        f"### {engine}{' (quick run)' if params['quick'] else ''}",
        "",
        f"{result['when']}, commit `{result['code']['commit'][:10]}`: "
        f"{mach['cpu_count']} × {mach['cpu_model']}, {mach['memory_gib']} GiB, "
        f"Python {mach['python']}, kernel {mach['kernel']}. "
        f"Machine {cond['busy_share_before']:.0%} busy just before the run; other processes "
        f"used {cond['other_cpu_seconds']} CPU-s ({cond['other_share_of_machine']:.0%} of the "
        f"machine) during the timed phases; attempts: {len(cond['other_share_of_each_attempt'])}.",
        "",
        "| what | count | clients | per second | p50 ms | p99 ms | max ms | other answers "
        "| server CPU ms/req | PostgreSQL CPU ms/req | Argon2id share of server CPU |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    for label, phase, expected in (
        (f"(a) message, offered {paced['offered_per_second']:.0f}/s", paced, "303"),
        ("(a) message, flat out", m, "303"),
        ("(a) message, one at a time, text only", result["messages_alone"], "303"),
        ("(b) first contact, POST /start", f, "200"),
        ("(b) return, POST /signin", r, "303"),
    ):
        others = {k: v for k, v in phase["answers"].items() if k != expected}
        share = phase.get("share_of_server_cpu")
        rows.append(
            f"| {label} | {phase['count']} | {phase['concurrency']} | {phase['per_second']} "
            f"| {phase['latency_ms']['p50']} | {phase['latency_ms']['p99']} "
            f"| {phase['latency_ms']['max']} | {_answers(others)} "
            f"| {phase['server_cpu_ms_per_request']} "
            f"| {phase['database_cpu_ms_per_request'] if mach['postgres'] else 'in server'} "
            f"| {'—' if share is None else f'{share:.0%}'} |"
        )
    rows += [
        "",
        f"Messages: {m['accepted_all_runs']} accepted (303) over the three runs, "
        f"{m['messages_stored']} rows in `message`, **lost: {m['lost']}**; attachments "
        f"{m['attachments_accepted']} accepted, {m['attachments_stored']} rows, "
        f"{m['blob_files']} encrypted blob files. Argon2id (t={kdf['opslimit']}, "
        f"m={kdf['memlimit_mib']} MiB) in-process: {kdf['cpu_ms_median']} ms CPU per derivation "
        f"(median of {kdf['runs']}), so at most {f['kdf_bound_ceiling_per_second']} derivations/s "
        f"with {params['kdf_concurrency']} at once. Aim (≥ {AIM_MESSAGES_PER_SECOND:.0f} msg/s, "
        f"p99 < {AIM_P99_MS:.0f} ms, nothing lost): at {AIM_MESSAGES_PER_SECOND:.0f}/s offered "
        f"**{_met(aims['met_at_aim_rate'])}**; flat out with {params['clients']} clients "
        f"**{_met(aims['met_at_saturation'])}**.",
        "",
        f"Where a message's server CPU goes ({cut['server_cpu_ms_per_message_alone']} ms, sent "
        f"one at a time): HTTP, ASGI, multipart and thread hand-offs "
        f"{cut['http_asgi_multipart_threads_ms']} ms; session check transaction "
        f"{cut['session_check_transaction_ms']} ms; store transaction "
        f"{cut['store_transaction_ms']} ms, of which the audit log's Merkle append "
        f"{cut['of_which_audit_log_append_ms']} ms and the codename check "
        f"{cut['of_which_codename_check_ms']} ms"
        + (
            f"; PostgreSQL's backends {cut['database_cpu_ms_per_message_alone']} ms more."
            if mach["postgres"]
            else "."
        ),
        "",
    ]
    return "\n".join(rows)


def _met(flag: bool) -> str:
    return "met" if flag else "not met"


def _answers(others: dict[str, int]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(others.items())) or "none"


METHOD = """## Contact intake (`bench/intake/`)

`.venv/bin/python -m bench.intake [--engine sqlite|postgresql|both] [--quick]`

**What runs.** For each engine the script creates a temporary data directory (and, for
PostgreSQL, a database of its own, dropped afterwards), runs `homeward init`, adds one FRA desk
officer through the service layer (so the FRA desk has a key to seal messages to), and starts
the real server, `.venv/bin/homeward serve`, as a subprocess on a free port of 127.0.0.1. Every
`HOMEWARD_*` variable of the caller is dropped, so the server runs the OWASP Argon2id cost
(t=2, 19 MiB), never the test profile. One setting differs from production:
`HOMEWARD_NEW_CONTACTS_PER_MINUTE` is raised to 1,000,000 so the per-minute ceiling on new
codenames never refuses the bench; the Argon2id gate (`HOMEWARD_KDF_CONCURRENCY=2`,
`HOMEWARD_KDF_WAIT_SECONDS=3`) keeps its defaults and is part of what is measured. Load comes
from `httpx.AsyncClient` on asyncio on the same machine; each simulated contact has its own
client, so its own cookie jar and keep-alive connection, like a browser. Before each engine
the script waits (up to 10 minutes) for the machine to be under 15 % busy, and records how busy
it was and how much CPU other processes used during the timed phases; if that was more than
5 % of the machine, it runs the engine again (three attempts at most, one with `--quick`) and
keeps the least disturbed run.

**(a) Messages from signed-in contacts.** 32 contacts get a codename and load the write form
(for its CSRF token) before timing starts. Each message is the page's multipart form: a
500-character synthetic letter to the FRA desk and an empty file part as a browser sends it;
one message in ten carries a 20 KiB file instead. Latency is the POST /en/write until its 303.
Two runs with the same 32 contacts:

- *offered 50/s*: 600 messages (100 with `--quick`) due at a fixed 50 per second, each sent by
  whichever contact is free; latency counts from when the message was due, so a backlog would
  show (no coordinated omission). This is the aim's question: at 50 messages a second, what is
  the p99?
- *flat out*: 1,500 messages (200 with `--quick`), each of the 32 contacts sending its next one
  as soon as the last is answered. Per second = accepted / wall time: the server's capacity.
  With 32 messages always in flight, the mean latency is 32 / throughput (Little's law), so
  this p99 is mostly queueing.

- *one at a time*: 300 text-only messages (50 with `--quick`) from one contact, for the
  server's CPU per message without contention (the breakdown below).

After these, the `message` and `attachment` rows are counted through SQLAlchemy on the server's
database and compared with the 303 answers: `lost` = accepted − stored; the run fails loudly
if it is not 0.

**(b) First contacts and returns.** These pay one Argon2id derivation each on purpose. 300
first contacts (40 with `--quick`), 32 at a time, each a fresh browser: GET the landing page
for the form token, then POST /en/start (timed, expects 200 with a seven-word codename). Then
300 returns the same way with the codenames just issued: landing page, POST /en/signin (timed,
expects 303). Per second = accepted answers / wall time of the phase (the untimed landing page
GET is inside the wall time, as it is for a real visitor).

**Argon2id's share.** Before the server starts, `homeward.crypto.codename.derive` runs 20 times
in the bench process at the OWASP cost (5 with `--quick`); the median CPU time per derivation
is *k*. For a phase with *n* accepted requests, each of which runs exactly one derivation,
Argon2id used about *n·k* CPU-seconds. The table divides that by the server's CPU time during
the phase (user + system time of the server process from `/proc/<pid>/stat`, sampled before
and after): the rest is HTTP, templates, sessions, SQL. The JSON also gives *n·k* divided by
wall time × cores (`share_of_machine`), and the ceiling 2 / *k* that the Argon2id gate alone
allows. It is an estimate: under load Argon2id (memory-bound) can run slower than on an idle
machine, which would make the true share a little higher.

**Where the time goes.** With the server stopped, the two transactions a message costs (the
session check, then storing it) are replayed in the bench process on the same database, 300
times one after the other, timing each with `time.thread_time()` and, inside them, the
codename check and the audit log's Merkle append. What the server spent per message sent one at
a time beyond those two transactions is HTTP parsing, ASGI, multipart, routing and thread
hand-offs.

**What limits the flat-out runs** (profiled at commit `bf03ba31`, see also the breakdown under
each table). *SQLite*: the server is one process, and its Python work holds one core (the
GIL); at about 6 ms of CPU per message that is 150 to 170 messages a second, and with 32
messages always in flight the mean latency is 32 / throughput, about 200 ms, with the p99
more than twice that. *PostgreSQL*: the machine is not saturated (about 60 % busy). Every
message's commit appends to the audit log's Merkle tree under one row lock (`SELECT … FOR
UPDATE` on the head row), held across several round trips and the commit; under load the
holder waits for the GIL again after each round trip, so appends queue one behind the other
at about 90 a second. In trials, capping the server's thread pool at 4 to 8 threads lifted
this to about 100 a second with a p99 near 400 ms, but it would also let requests waiting at
the Argon2id gate hold every thread, so it was not made.

**Changes made to the server for this benchmark** (commit `0d1bfa1`). The check that refuses
a message carrying the contact's codename hashed every run of seven words (about 90 keyed
BLAKE2b calls into libsodium for a 500-character letter, each releasing and retaking the GIL);
it now hashes only runs made entirely of word-list words, which are the only runs that can be
a codename: the same answer (a property test checks it against hashing every run), 0.6 to
0.9 ms less CPU per message on SQLite and 1 to 2.5 ms less on PostgreSQL, where the GIL
hand-offs cost most (A/B runs on this shared machine). And SQLite now has one pooled
connection per process: every transaction already takes the write lock at BEGIN, so a second
connection could only wait in SQLite's busy handler, which sleeps and retries and lets
newcomers overtake; the flat-out p99 on SQLite went from about 2 s (maximum 4.5 s) to under
0.5 s.

**Reading the figures.** The load generator shares the two cores with the server (and, for
PostgreSQL, with the database). The JSON files give, per phase, the CPU time of the server
process, of the PostgreSQL backends serving the bench database (found by their process title),
of the load generator (`client_cpu_seconds`), and of everything else on the machine
(`other_cpu_seconds`, from `/proc/stat`): other work running at the same time skews a run, and
this says by how much.

"""


def write_readme() -> None:
    """Rewrite this benchmark's section from every intake result file present."""
    tables = []
    for engine in ("sqlite", "postgresql"):
        path = RESULTS_DIR / f"intake-{engine}.json"
        if not path.exists():
            continue
        result = json.loads(path.read_text("utf-8"))
        if result.get("format") != RESULT_FORMAT:
            print(f"  {path.name} is from an older version of this bench: not in the README")
            continue
        tables.append(_table(result))
    write_section("intake", METHOD + "\n".join(tables))


def quietest_run(
    engine: str, params: Parameters, postgres_url: str, attempts: int
) -> dict[str, Any]:
    """The machine is shared: if other work took more than a little of it during the timed
    phases, run again (at most `attempts` times) and keep the least disturbed run. A run that
    lost a message is returned at once, never hidden behind a retry."""
    best: dict[str, Any] | None = None
    seen: list[float] = []
    for _ in range(attempts):
        result = run_engine(engine, params, postgres_url)
        share = result["conditions"]["other_share_of_machine"]
        seen.append(share)
        if result["messages"]["lost"] != 0:
            best = result
            break
        if best is None or share < best["conditions"]["other_share_of_machine"]:
            best = result
        if share <= DISTURBED_SHARE:
            break
        print(f"  other work used {share:.0%} of the machine during the run; running again")
    assert best is not None
    best["conditions"]["other_share_of_each_attempt"] = seen
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="a short run to check it works")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("HOMEWARD_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="server to create the bench database on (loopback only)",
    )
    args = parser.parse_args(argv)
    params = Parameters.make(quick=args.quick)
    engines = ("sqlite", "postgresql") if args.engine == "both" else (args.engine,)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    failures = []
    for engine in engines:
        print(f"intake on {engine}{' (quick)' if params.quick else ''} ...", flush=True)
        result = quietest_run(engine, params, args.postgres_url, 1 if params.quick else 3)
        path = RESULTS_DIR / f"intake-{engine}.json"
        path.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
        m = result["messages"]
        for name in ("messages_paced", "messages", "first_contacts", "returns"):
            p = result[name]
            share = p.get("share_of_server_cpu")
            print(
                f"  {name}: {p['per_second']}/s p50 {p['latency_ms']['p50']} ms "
                f"p99 {p['latency_ms']['p99']} ms, server CPU {p['server_cpu_ms_per_request']} "
                f"ms/req{'' if share is None else f', Argon2id {share:.0%} of it'}, "
                f"answers {p['answers']}"
            )
        print(
            f"  stored {m['messages_stored']} of {m['accepted_all_runs']} accepted: "
            f"lost {m['lost']}"
        )
        if m["lost"] != 0:
            failures.append(f"{engine}: {m['lost']} accepted messages are not in the database")
    write_readme()
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
