"""Simulated contacts writing to the real server, each with its own cookie jar and connection,
and the timed phases they run in (closed loop, or paced with no coordinated omission).
Shared by the intake and durability benchmarks."""

from __future__ import annotations

import asyncio
import os
import random
import re
import secrets
import ssl
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from bench.harness.machine import (
    backend_cpu,
    machine_cpu,
    process_tree_cpu,
)
from bench.harness.server import (
    LOOPBACK,
    homeward_command,
)
from bench.harness.stats import (
    ms,
    percentile,
)
from homeward.accounts import service as accounts_service
from homeward.accounts.service import NewOfficer
from homeward.audit import service as audit
from homeward.contact.models import Attachment, Contact, Message
from homeward.core.db import Database
from homeward.core.runtime import Runtime
from homeward.core.settings import Settings
from homeward.crypto import codename as codenames
from homeward.policy.labels import Classification
from homeward.policy.roles import Role

CSRF_PATTERN = re.compile(r'name="csrf" value="([^"]+)"')


CODENAME_WORD = re.compile(r"<span>([a-z-]+)</span>")


REQUEST_TIMEOUT = 60.0


AIM_MESSAGES_PER_SECOND = 50.0


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
                "p50": ms(percentile(latencies, 50)),
                "p99": ms(percentile(latencies, 99)),
                "mean": ms(statistics.fmean(latencies)),
                "max": ms(latencies[-1]),
            },
            "server_cpu_seconds": round(self.server_cpu_seconds, 3),
            "server_cpu_ms_per_request": ms(self.server_cpu_seconds / max(1, self.count)),
            "database_cpu_seconds": round(self.database_cpu_seconds, 3),
            "database_cpu_ms_per_request": ms(self.database_cpu_seconds / max(1, self.count)),
            "client_cpu_seconds": round(self.client_cpu_seconds, 3),
            # CPU used on the machine by anything but this server, its PostgreSQL backends and
            # this load generator: other people's work, which skews the figures.
            "other_cpu_seconds": round(max(0.0, self.machine_busy_seconds - self.ours), 3),
        }


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
