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
import platform
import random
import re
import secrets
import signal
import socket
import sqlite3
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg
from sqlalchemy import func, select

import homeward
from homeward.accounts import service as accounts_service
from homeward.accounts import sessions
from homeward.accounts.service import NewOfficer
from homeward.audit import log as audit_log
from homeward.audit import service as audit
from homeward.contact import service as contact_service
from homeward.contact.models import Attachment, Contact, Message
from homeward.core.db import Database
from homeward.core.runtime import Runtime
from homeward.core.settings import Settings
from homeward.crypto import codename as codenames
from homeward.crypto import sealing
from homeward.policy.labels import Classification
from homeward.policy.roles import Role

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
README = BENCH_DIR / "README.md"
START_MARK = "<!-- intake:start -->"
END_MARK = "<!-- intake:end -->"
README_INTRO = """# Benchmarks

Each benchmark is a module of this folder that starts what it measures itself, writes its
figures as JSON to `bench/results/` and rewrites its own section of this page (between the
HTML comments `name:start` and `name:end`), leaving the other sections alone.
Run them from the repository root with the project's virtualenv:

```
.venv/bin/python -m bench.<name>              # e.g. bench.intake: both engines, full size
.venv/bin/python -m bench.<name> --quick      # a short run, to check that it works
```

PostgreSQL runs use `HOMEWARD_BENCH_POSTGRES_URL` (default
`postgresql://postgres@127.0.0.1:5432/test`); each run creates its own database and drops it.

**The machine.** The figures below come from a small virtual machine (Firecracker): 2 vCPUs
(`Intel(R) Xeon(R) Processor`), 23.5 GiB of memory, Debian 12, Python 3.11, SQLite 3.40 and
PostgreSQL 15 on the same machine. The load generator runs there too, so it competes with the
server for the same two cores, and the machine is shared with other work: each result file
records how busy the machine was before and during the run.

"""


LOOPBACK = "127.0.0.1"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
CSRF_PATTERN = re.compile(r'name="csrf" value="([^"]+)"')
CODENAME_WORD = re.compile(r"<span>([a-z-]+)</span>")
READY_SECONDS = 60.0
STOP_SECONDS = 15.0
REQUEST_TIMEOUT = 60.0
AIM_MESSAGES_PER_SECOND = 50.0
AIM_P99_MS = 300.0
RESULT_FORMAT = 3
"""Bumped when the result files change shape; older files are left out of the README."""
QUIET_BUSY_SHARE = 0.15
QUIET_WAIT_SECONDS = 600.0
DISTURBED_SHARE = 0.05

# Synthetic letter fragments (invented, nothing real): messages are made of these plus numbers.
SENTENCES = (
    "I want to come home and I do not know who to trust here.",
    "My mother lives near the river and she has not heard from me for a year.",
    "We moved again last week; the roads are closed after dark.",
    "I have no passport any more, only an old card from school.",
    "Please tell me what I must do first and where I should go.",
    "There are two others with me who also want to leave.",
    "I can write again on Friday if the connection holds.",
    "My brother says the office in the city can help us.",
    "I am afraid of what happens at the crossing.",
    "We have a little money left and some water for the children.",
)


@dataclass(frozen=True)
class Parameters:
    messages: int
    paced_messages: int
    paced_rate: float
    alone_messages: int
    breakdown_messages: int
    clients: int
    text_chars: int
    attachment_every: int
    attachment_bytes: int
    first_contacts: int
    returns: int
    contact_clients: int
    kdf_runs: int
    new_contacts_per_minute: int
    kdf_concurrency: int
    kdf_wait_seconds: float
    quick: bool

    @classmethod
    def make(cls, *, quick: bool) -> Parameters:
        defaults = Settings.model_fields  # the shipped defaults, whatever the caller's env says
        return cls(
            messages=200 if quick else 1500,
            paced_messages=100 if quick else 600,
            paced_rate=AIM_MESSAGES_PER_SECOND,
            alone_messages=50 if quick else 300,
            breakdown_messages=50 if quick else 300,
            clients=32,
            text_chars=500,
            attachment_every=10,
            attachment_bytes=20 * 1024,
            first_contacts=40 if quick else 300,
            returns=40 if quick else 300,
            contact_clients=32,
            kdf_runs=5 if quick else 20,
            # Raised so the per-minute ceiling on new codenames never refuses the bench: it
            # guards officers' inboxes against floods, which is not what is measured here.
            new_contacts_per_minute=1_000_000,
            # The flood gate on Argon2id stays at its defaults: it is part of what is measured.
            kdf_concurrency=defaults["kdf_concurrency"].default,
            kdf_wait_seconds=defaults["kdf_wait_seconds"].default,
            quick=quick,
        )


@dataclass
class Outcome:
    status: str
    seconds: float
    timed: bool = True
    """False when the request before the timed one (a form page) already failed."""


@dataclass
class Phase:
    """What one timed phase measured: answers, latencies, and CPU used on both sides."""

    name: str
    count: int
    concurrency: int
    expected_status: int
    wall_seconds: float = 0.0
    server_cpu_seconds: float = 0.0
    client_cpu_seconds: float = 0.0
    database_cpu_seconds: float = 0.0
    machine_busy_seconds: float = 0.0
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def ours(self) -> float:
        return self.server_cpu_seconds + self.database_cpu_seconds + self.client_cpu_seconds

    @property
    def accepted(self) -> int:
        return sum(1 for o in self.outcomes if o.status == str(self.expected_status))

    def summary(self) -> dict[str, Any]:
        latencies = sorted(o.seconds for o in self.outcomes if o.timed) or [0.0]
        return {
            "count": self.count,
            "concurrency": self.concurrency,
            "accepted": self.accepted,
            "answers": dict(Counter(o.status for o in self.outcomes)),
            "wall_seconds": round(self.wall_seconds, 3),
            "per_second": round(self.accepted / self.wall_seconds, 2),
            "latency_ms": {
                "p50": _ms(percentile(latencies, 50)),
                "p99": _ms(percentile(latencies, 99)),
                "mean": _ms(statistics.fmean(latencies)),
                "max": _ms(latencies[-1]),
            },
            "server_cpu_seconds": round(self.server_cpu_seconds, 3),
            "server_cpu_ms_per_request": _ms(self.server_cpu_seconds / max(1, self.count)),
            "database_cpu_seconds": round(self.database_cpu_seconds, 3),
            "database_cpu_ms_per_request": _ms(self.database_cpu_seconds / max(1, self.count)),
            "client_cpu_seconds": round(self.client_cpu_seconds, 3),
            # CPU used on the machine by anything but this server, its PostgreSQL backends and
            # this load generator: other people's work, which skews the figures.
            "other_cpu_seconds": round(max(0.0, self.machine_busy_seconds - self.ours), 3),
        }


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def percentile(ordered: list[float], pct: float) -> float:
    """Nearest-rank percentile of an ascending list: p99 is an observed latency, not a blend."""
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


# --- machine -----------------------------------------------------------------------------


def _proc_field(path: str, key: str) -> str:
    try:
        for line in Path(path).read_text("utf-8").splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def code_version() -> dict[str, Any]:
    """Which code was measured: the commit, and any uncommitted change to the source it ran."""
    source = Path(homeward.__file__).resolve().parent.parent
    repo = BENCH_DIR.parent

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
        )
        return done.stdout.rstrip()

    in_repo = source == repo / "src"
    return {
        "commit": git("rev-parse", "HEAD"),
        "homeward_source": str(source),
        "uncommitted_source_changes": git("status", "--porcelain", "--", "src").splitlines()
        if in_repo
        else "not from this checkout",
    }


def machine(postgres_version: str | None) -> dict[str, Any]:
    mem_kib = _proc_field("/proc/meminfo", "MemTotal").split(" ")[0]
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": _proc_field("/proc/cpuinfo", "model name"),
        "memory_gib": round(int(mem_kib) / 1024 / 1024, 1) if mem_kib.isdigit() else None,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgres": postgres_version,
        "kernel": platform.release(),
    }


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    total = sum(fields[:8])  # guest time is already counted in user
    ticks = os.sysconf("SC_CLK_TCK")
    return (total - idle) / ticks, total / ticks


def busy_fraction(seconds: float) -> float:
    """Share of the machine's CPU in use over a short window."""
    busy, total = machine_cpu()
    time.sleep(seconds)
    busy_after, total_after = machine_cpu()
    return (busy_after - busy) / max(1e-9, total_after - total)


def wait_for_quiet(limit_seconds: float) -> float:
    """Other work on this machine skews every figure: wait (bounded) until it is mostly idle.
    Returns the busy share seen last, which goes into the results either way."""
    deadline = time.monotonic() + limit_seconds
    busy = busy_fraction(2.0)
    while busy > QUIET_BUSY_SHARE and time.monotonic() < deadline:
        print(f"  machine {busy:.0%} busy with other work; waiting for it to settle", flush=True)
        time.sleep(10)
        busy = busy_fraction(2.0)
    return busy


def _processes() -> Iterator[tuple[int, int, int, Path]]:
    """(pid, parent pid, CPU ticks, /proc entry) of every process, from /proc."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        rest = raw[raw.rindex(")") + 2 :].split()
        yield int(entry.name), int(rest[1]), int(rest[11]) + int(rest[12]), entry


def process_tree_cpu(root: int) -> float:
    """User + system CPU seconds of a process and its live descendants."""
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for pid, parent, used, _entry in _processes():
        parents[pid], ticks[pid] = parent, used
    tree = {root}
    for _ in range(8):  # a few generations are plenty: server, workers
        tree |= {pid for pid, parent in parents.items() if parent in tree}
    return sum(ticks.get(pid, 0) for pid in tree) / os.sysconf("SC_CLK_TCK")


def backend_cpu(database_name: str) -> float:
    """CPU seconds of the PostgreSQL backends serving one database (their process title names
    it), so the database's share is not mistaken for other work on the machine."""
    total = 0
    marker = f" {database_name} ".encode()
    for _pid, _parent, used, entry in _processes():
        try:
            title = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if title.startswith(b"postgres:") and marker in title:
            total += used
    return total / os.sysconf("SC_CLK_TCK")


# --- databases and server ----------------------------------------------------------------


def _check_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK_HOSTS:
        raise SystemExit(f"refusing {url}: the benchmark only talks to loopback")


def _with_database(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


@contextmanager
def database(
    engine: str, postgres_url: str, data_dir: Path, label: str = "intake"
) -> Iterator[tuple[str, str | None]]:
    """A fresh database for one run: (url, postgres server version); dropped afterwards.
    Shared by every benchmark (`label` names its PostgreSQL database)."""
    if engine == "sqlite":
        yield f"sqlite:///{(data_dir / 'homeward.sqlite3').as_posix()}", None
        return
    _check_loopback(postgres_url)
    name = f"hw_bench_{label}_{secrets.token_hex(4)}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        version = str(admin.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(postgres_url, name), version
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_env(data_dir: Path, database_url: str, params: Parameters) -> dict[str, str]:
    """The real settings: every HOMEWARD_* variable of the caller dropped, so no test profile."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOMEWARD_")}
    env.update(
        HOMEWARD_DATA_DIR=str(data_dir),
        HOMEWARD_DATABASE_URL=database_url,
        HOMEWARD_NEW_CONTACTS_PER_MINUTE=str(params.new_contacts_per_minute),
        HOMEWARD_KDF_CONCURRENCY=str(params.kdf_concurrency),
        HOMEWARD_KDF_WAIT_SECONDS=str(params.kdf_wait_seconds),
    )
    return env


def homeward_command() -> Path:
    command = Path(sys.executable).parent / "homeward"
    if not command.exists():
        raise SystemExit(f"{command} not found: install the project (make install)")
    return command


def set_up(env: dict[str, str], data_dir: Path, database_url: str) -> None:
    """`homeward init`, then one FRA officer through the service layer so FRA has a desk key."""
    done = subprocess.run(
        [str(homeward_command()), "init"], env=env, capture_output=True, check=False
    )
    if done.returncode != 0:
        print(done.stdout.decode("utf-8", "replace")[-3000:], file=sys.stderr)
        raise SystemExit("`homeward init` failed")
    runtime = Runtime.from_settings(
        Settings(data_dir=data_dir, database_url=database_url, kdf_profile="owasp")
    )
    try:
        with runtime.db.transaction() as session:
            accounts_service.add_officer(
                session=session,
                secrets=runtime.secrets,
                cost=runtime.cost,
                actor=audit.SYSTEM,
                data=NewOfficer(
                    "bench.fra",
                    secrets.token_urlsafe(18),
                    Role.DESK_OFFICER,
                    "FRA",
                    int(Classification.SECRET),
                ),
            )
    finally:
        runtime.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running_server(env: dict[str, str], log_path: Path) -> Iterator[tuple[int, int]]:
    """`homeward serve` on a free loopback port; yields (port, pid), stops it afterwards."""
    port = free_port()
    command = [str(homeward_command()), "serve", "--host", LOOPBACK, "--port", str(port)]
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_ready(server, port)
            yield port, server.pid
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=STOP_SECONDS)


def _wait_ready(server: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited early with code {server.returncode}")
        try:
            answer = httpx.get(f"http://{LOOPBACK}:{port}/en", timeout=2, trust_env=False)
            if answer.status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server did not answer within {READY_SECONDS:.0f} s")


# --- the simulated contacts --------------------------------------------------------------


# Plain HTTP never uses it, but httpx builds a TLS context per client unless given one, and
# loading the CA bundle costs ~18 ms of the load generator's CPU per simulated contact.
_UNUSED_TLS = ssl.create_default_context()


def new_client(port: int) -> httpx.AsyncClient:
    """One contact: its own cookie jar and its own keep-alive connection, like one browser.
    No proxy from the environment: traffic stays on loopback."""
    return httpx.AsyncClient(
        base_url=f"http://{LOOPBACK}:{port}",
        timeout=REQUEST_TIMEOUT,
        follow_redirects=False,
        limits=httpx.Limits(max_connections=1),
        verify=_UNUSED_TLS,
        trust_env=False,
    )


def csrf_of(html: str) -> str:
    match = CSRF_PATTERN.search(html)
    if match is None:
        raise RuntimeError("no CSRF token in the page")
    return match.group(1)


def letter(rng: random.Random, chars: int) -> str:
    """A synthetic letter of `chars` characters, different for every message."""
    parts: list[str] = []
    while sum(len(p) + 1 for p in parts) < chars:
        parts.append(f"{rng.choice(SENTENCES)} ({rng.randint(1, 9999)})")
    return " ".join(parts)[:chars].rstrip() or "hello"


async def timed(request: Awaitable[httpx.Response]) -> tuple[Outcome, httpx.Response | None]:
    began = time.perf_counter()
    try:
        response = await request
    except httpx.HTTPError as exc:
        return Outcome(type(exc).__name__, time.perf_counter() - began), None
    return Outcome(str(response.status_code), time.perf_counter() - began), response


@dataclass(frozen=True)
class Target:
    """The server under test: where it listens, its process, its PostgreSQL database if any."""

    port: int
    pid: int
    database_name: str | None

    def database_cpu(self) -> float:
        return backend_cpu(self.database_name) if self.database_name else 0.0


@contextmanager
def measured(phase: Phase, target: Target) -> Iterator[None]:
    """Wall time and CPU (server, database, load generator, machine) spent inside the block."""
    server_cpu, client_cpu = process_tree_cpu(target.pid), time.process_time()
    database_cpu, machine_busy = target.database_cpu(), machine_cpu()[0]
    began = time.perf_counter()
    yield
    phase.wall_seconds = time.perf_counter() - began
    phase.machine_busy_seconds = machine_cpu()[0] - machine_busy
    phase.server_cpu_seconds = process_tree_cpu(target.pid) - server_cpu
    phase.database_cpu_seconds = target.database_cpu() - database_cpu
    phase.client_cpu_seconds = time.process_time() - client_cpu


Job = Callable[[int, int], Awaitable[Outcome]]


async def run_phase(phase: Phase, target: Target, job: Job) -> None:
    """Closed loop, as fast as it goes: `phase.concurrency` workers share `phase.count` jobs,
    each job (worker, item) starting as soon as the worker's previous one is answered."""
    pending = list(range(phase.count - 1, -1, -1))

    async def worker(worker_id: int) -> None:
        while pending:
            phase.outcomes.append(await job(worker_id, pending.pop()))

    with measured(phase, target):
        await asyncio.gather(*(worker(w) for w in range(phase.concurrency)))


async def run_paced(phase: Phase, target: Target, rate: float, job: Job) -> None:
    """Open loop at a fixed rate: item i is due i / rate seconds after the start and goes to
    the first free worker. Latency counts from when the item was due, so a backlog shows in
    the figures instead of quietly slowing the sender (no coordinated omission)."""
    free: asyncio.Queue[int] = asyncio.Queue()
    for worker_id in range(phase.concurrency):
        free.put_nowait(worker_id)

    async def one(worker_id: int, item: int, due: float) -> None:
        outcome = await job(worker_id, item)
        outcome.seconds = time.perf_counter() - due
        phase.outcomes.append(outcome)
        free.put_nowait(worker_id)

    with measured(phase, target):
        began = time.perf_counter()
        tasks = []
        for item in range(phase.count):
            due = began + item / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            worker_id = await free.get()
            tasks.append(asyncio.create_task(one(worker_id, item, due)))
        await asyncio.gather(*tasks)


@dataclass
class SignedIn:
    client: httpx.AsyncClient
    csrf: str
    codename: str


async def form_token(client: httpx.AsyncClient, path: str) -> str | Outcome:
    """The CSRF token of a form page, or the failure (untimed) if the page did not come."""
    try:
        return csrf_of((await client.get(path)).text)
    except (httpx.HTTPError, RuntimeError) as exc:
        return Outcome(f"form page: {type(exc).__name__}", 0.0, timed=False)


async def first_contact(client: httpx.AsyncClient) -> tuple[Outcome, str | None]:
    """Landing page (for the form token), then the timed POST /start; returns the codename."""
    token = await form_token(client, "/en")
    if isinstance(token, Outcome):
        return token, None
    outcome, response = await timed(client.post("/en/start", data={"csrf": token}))
    if response is None or response.status_code != 200:
        return outcome, None
    words = CODENAME_WORD.findall(response.text)
    return outcome, " ".join(words) if len(words) == codenames.WORDS_PER_CODENAME else None


async def prepare_contacts(port: int, count: int) -> list[SignedIn]:
    """Contacts with a live session and their write-form token, made before timing starts."""
    gate = asyncio.Semaphore(4)

    async def one() -> SignedIn:
        async with gate:
            client = new_client(port)
            outcome, codename = await first_contact(client)
            if codename is None:
                raise RuntimeError(f"could not prepare a contact: {outcome.status}")
            form = await client.get("/en/write")
            return SignedIn(client, csrf_of(form.text), codename)

    return list(await asyncio.gather(*(one() for _ in range(count))))


@dataclass
class Messages:
    """What (a) measured: at the aim's rate, as fast as the contacts can send, and one at a
    time (text only: the server's CPU per message without contention, for the breakdown)."""

    paced: Phase
    saturated: Phase
    alone: Phase
    accepted_files: int
    codenames: list[str]


async def bench_messages(target: Target, params: Parameters) -> Messages:
    """(a): signed-in contacts send messages through the write form."""
    contacts = await prepare_contacts(target.port, params.clients)
    rng = random.Random(20261125)
    total = params.paced_messages + params.messages + params.alone_messages
    texts = [letter(rng, params.text_chars) for _ in range(total)]
    attachment = rng.randbytes(params.attachment_bytes)
    accepted_files = 0

    def sender(offset: int, *, files: bool = True) -> Job:
        async def send(worker_id: int, item: int) -> Outcome:
            nonlocal accepted_files
            contact = contacts[worker_id]
            with_file = files and item % params.attachment_every == 0
            # A browser sends an empty file part when no file is chosen; so does the bench.
            upload = (
                (f"scan-{item}.jpg", attachment, "image/jpeg")
                if with_file
                else ("", b"", "application/octet-stream")
            )
            outcome, _ = await timed(
                contact.client.post(
                    "/en/write",
                    data={"csrf": contact.csrf, "desk": "FRA", "message": texts[offset + item]},
                    files=[("files", upload)],
                )
            )
            if with_file and outcome.status == "303":
                accepted_files += 1
            return outcome

        return send

    paced = Phase("messages_paced", params.paced_messages, params.clients, expected_status=303)
    saturated = Phase("messages", params.messages, params.clients, expected_status=303)
    alone = Phase("messages_alone", params.alone_messages, 1, expected_status=303)
    try:
        await run_paced(paced, target, params.paced_rate, sender(0))
        await run_phase(saturated, target, sender(params.paced_messages))
        offset = params.paced_messages + params.messages
        await run_phase(alone, target, sender(offset, files=False))
    finally:
        for contact in contacts:
            await contact.client.aclose()
    return Messages(paced, saturated, alone, accepted_files, [c.codename for c in contacts])


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
        "wall_ms_median": _ms(statistics.median(wall)),
        "wall_ms_min": _ms(min(wall)),
        "wall_ms_max": _ms(max(wall)),
        "cpu_ms_median": _ms(statistics.median(cpu)),
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


def count_rows(database_url: str) -> dict[str, int]:
    """Counted on the same database as the server, after the run, through SQLAlchemy."""
    db = Database(database_url)
    try:
        with db.transaction() as session:
            return {
                "messages": int(session.scalar(select(func.count(Message.id))) or 0),
                "attachments": int(session.scalar(select(func.count(Attachment.id))) or 0),
                "contacts": int(session.scalar(select(func.count(Contact.id))) or 0),
            }
    finally:
        db.dispose()


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


METHOD = """## Contact intake (`bench/intake.py`)

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
    section = f"{START_MARK}\n{METHOD}{chr(10).join(tables)}{END_MARK}"
    text = README.read_text("utf-8") if README.exists() else README_INTRO
    if START_MARK in text and END_MARK in text:
        before, rest = text.split(START_MARK, 1)
        after = rest.split(END_MARK, 1)[1]
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    README.write_text(text, "utf-8")


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
