"""Nothing lost when the process dies: `kill -9` of the real server (`homeward serve`, a
subprocess on a loopback port) while 32 contacts send up to 1,000 letters, some with files;
then a restart, and the officer reads everything back through the services.

What must hold (DESIGN, principles: a crash leaves the whole change or none of it):
- every letter whose sender got its answer (303) is there, with every file, and decrypts;
- every letter that is there is whole, answered or not (its files all there and intact);
- no row without its parent, no file named by a row but missing on disk, no audit entry
  missing for a letter, and `homeward audit verify` passes on the log the crash left;
- the server starts again on what the crash left, and a contact's session still works.
Encrypted files of uploads in flight at the kill are written before their row, so a crash
can leave some behind unreferenced: they must be no more than the uploads in flight, no older
than the kill, and all removed (with nothing any letter names) by the orphan purge once they
are an hour old.
"""

from __future__ import annotations

import hashlib
import html
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from homeward.contact import service as contact_service
from homeward.core.db import utcnow
from homeward.core.runtime import Runtime
from tests import helpers
from tests.read_back import half_written, read_all, unreferenced_blobs

LOOPBACK = "127.0.0.1"
CLIENTS = 32
SUBMISSIONS = 1_000
KILL_AFTER = 400
"""Acknowledged letters before the kill: well inside the run, with every client busy."""
MAX_FILES = 2
READY_SECONDS = 30
RUN_SECONDS = 60
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass(frozen=True)
class Letter:
    text: str
    files: tuple[tuple[str, bytes], ...]


def letter(client: int, item: int) -> Letter:
    """Letter `item` of client `client`: unique text, and files that follow from the text, so
    whatever is stored can be checked whole whether or not its sender got an answer."""
    text = f"Letter {item} from contact {client}: I want to come home. ({client}-{item})"
    rng = random.Random(hashlib.sha256(text.encode()).digest())  # noqa: S311 - test content
    count = (1 if item % 3 == 0 else 0) + (1 if item % 7 == 0 else 0)
    files = tuple(
        (f"scan-{client}-{item}-{n}.jpg", rng.randbytes(rng.choice((800, 30_000, 200_000))))
        for n in range(count)
    )
    return Letter(text, files)


@dataclass
class Tally:
    """What the clients saw, shared between their threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    acknowledged: list[Letter] = field(default_factory=list)
    unanswered: list[Letter] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    enough: threading.Event = field(default_factory=threading.Event)
    killed_at: float = 0.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def server_env(runtime: Runtime) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOMEWARD_")}
    env.update(
        HOMEWARD_DATA_DIR=str(runtime.settings.data_dir),
        HOMEWARD_DATABASE_URL=runtime.settings.effective_database_url,
        HOMEWARD_TESTING="1",
        HOMEWARD_KDF_PROFILE="fast-for-tests",
        HOMEWARD_NEW_CONTACTS_PER_MINUTE="10000",
        HOMEWARD_KDF_WAIT_SECONDS="30",
        # Checkpoints signed every second, so the crash can also land in one of those.
        HOMEWARD_CHECKPOINT_INTERVAL_SECONDS="1",
    )
    return env


def homeward() -> str:
    return str(Path(sys.executable).parent / "homeward")


@contextmanager
def server(env: dict[str, str], log: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`homeward serve` on a loopback port; stopped at the end unless already dead."""
    port = free_port()
    command = [homeward(), "serve", "--host", LOOPBACK, "--port", str(port)]
    with log.open("ab") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://{LOOPBACK}:{port}"
    try:
        deadline = time.monotonic() + READY_SECONDS
        while True:
            assert process.poll() is None, f"the server exited: {log.read_text()[-2000:]}"
            try:
                if httpx.get(f"{base}/en", timeout=2, trust_env=False).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        yield process, base
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(15)


def new_client(base: str) -> httpx.Client:
    """One contact: its own cookies and connection, no proxy from the environment."""
    return httpx.Client(base_url=base, timeout=30, follow_redirects=False, trust_env=False)


def csrf(page: httpx.Response) -> str:
    match = CSRF.search(page.text)
    assert match, f"no form token in {page.status_code} {page.url}"
    return match.group(1)


def sign_up(client: httpx.Client) -> str:
    """A first visit: a codename and a session, then the write form's token."""
    started = client.post("/en/start", data={"csrf": csrf(client.get("/en"))})
    assert started.status_code == 303, started.text[:500]  # on to the codename page
    shown = client.get("/en/codename")
    match = helpers.CODENAME_FIELD.search(shown.text)
    assert match, "no codename on the page"
    typed = client.post(
        "/en/codename/confirm",
        data={"csrf": csrf(shown), "typed": html.unescape(match.group(1))},
    )
    assert typed.status_code == 303, typed.text[:500]  # typed back once, on to writing
    return csrf(client.get("/en/write"))


def send(client: httpx.Client, token: str, sent: Letter) -> int:
    files = [("files", (name, content, "image/jpeg")) for name, content in sent.files]
    answer = client.post(
        "/en/write",
        data={"csrf": token, "message": sent.text, "desk": "FRA"},
        files=files or [("files", ("", b"", "application/octet-stream"))],
    )
    if answer.status_code == 303:
        assert answer.headers["location"].endswith("/en/conversation?sent=1")
    return answer.status_code


def contact_thread(
    number: int, client: httpx.Client, token: str, start: threading.Barrier, tally: Tally
) -> None:
    start.wait()
    for item in range(number, SUBMISSIONS, CLIENTS):
        sent = letter(number, item)
        try:
            status = send(client, token, sent)
        except httpx.TransportError:
            with tally.lock:
                tally.unanswered.append(sent)
            return  # the server is gone
        with tally.lock:
            if status != 303:
                tally.refused.append(f"{status} for {sent.text}")
                return
            tally.acknowledged.append(sent)
            if len(tally.acknowledged) >= KILL_AFTER:
                tally.enough.set()


def run_until_killed(base: str, process: subprocess.Popen[bytes]) -> tuple[Tally, httpx.Client]:
    """32 signed-in contacts send at once; SIGKILL once KILL_AFTER letters are acknowledged.
    Returns the tally and one contact's client (its session outlives the crash)."""
    tally = Tally()
    clients = [new_client(base) for _ in range(CLIENTS)]
    tokens = [sign_up(client) for client in clients]
    start = threading.Barrier(CLIENTS + 1)
    threads = [
        threading.Thread(target=contact_thread, args=(n, clients[n], tokens[n], start, tally))
        for n in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    assert tally.enough.wait(RUN_SECONDS), f"only {len(tally.acknowledged)} acknowledged"
    process.send_signal(signal.SIGKILL)
    tally.killed_at = time.time()
    process.wait(10)
    for thread in threads:
        thread.join(30)
    for client in clients[1:]:
        client.close()
    assert not any(thread.is_alive() for thread in threads)
    return tally, clients[0]


@pytest.mark.slow
def test_kill_9_during_a_flood_of_letters_loses_nothing_and_leaves_nothing_half_written(
    runtime: Runtime, personas: helpers.Personas, tmp_path: Path
) -> None:
    runtime.db.dispose()  # the server process owns the database from here
    env = server_env(runtime)
    log = tmp_path / "server.log"
    with server(env, log) as (process, base):
        tally, survivor = run_until_killed(base, process)
    assert tally.refused == []
    assert KILL_AFTER <= len(tally.acknowledged) < SUBMISSIONS
    assert tally.unanswered, "the kill should land while letters are in flight"

    # Restart on what the crash left; a contact's session survives and writes again.
    after = letter(0, SUBMISSIONS)
    with server(env, log) as (_process, base), new_client(base) as returning:
        returning.cookies = survivor.cookies
        token = csrf(returning.get("/en/write"))
        assert send(returning, token, after) == 303
    survivor.close()

    # The officer reads everything back; every answered letter is there, whole.
    stored = {m.text: m.files for m in read_all(runtime, personas["fra_officer"])}
    expected = {sent.text: sent.files for sent in tally.acknowledged}
    expected[after.text] = after.files
    missing = [text for text in expected if text not in stored]
    assert missing == [], f"{len(missing)} acknowledged letters lost"
    for text, files in expected.items():
        assert stored[text] == tuple(sorted(files)), f"files of {text!r} differ"
    # Letters in flight at the kill are there whole or not at all.
    in_flight = {sent.text: sent.files for sent in tally.unanswered}
    extra = {text: files for text, files in stored.items() if text not in expected}
    assert set(extra) <= set(in_flight), "a stored letter that nobody sent"
    for text, files in extra.items():
        assert files == tuple(sorted(in_flight[text])), f"{text!r} stored half-written"
    assert half_written(runtime) == []

    # Files of uploads cut off by the kill: only those, bounded by what was in flight.
    left = unreferenced_blobs(runtime)
    assert len(left) <= MAX_FILES * len(tally.unanswered)
    assert all(path.stat().st_mtime <= tally.killed_at + 1 for path in left)
    # An hour on, the purge that runs at every start and in `homeward purge` takes them all,
    # and nothing that a letter names.
    an_hour_on = utcnow() + contact_service.ORPHAN_AGE + timedelta(minutes=1)
    with runtime.db.transaction() as session:
        removed = contact_service.purge_orphan_blobs(
            session=session, blobs_dir=runtime.settings.blobs_dir, now=an_hour_on
        )
    assert removed == len(left)
    assert unreferenced_blobs(runtime) == []
    assert half_written(runtime) == []

    verified = subprocess.run(
        [homeward(), "audit", "verify"], env=env, capture_output=True, check=False, timeout=60
    )
    assert verified.returncode == 0, verified.stdout.decode() + verified.stderr.decode()
    print(  # the figures of this run, for the report (-s shows them)
        f"\nkill -9 after {len(tally.acknowledged)} acknowledged, {len(tally.unanswered)} "
        f"in flight ({len(extra)} of them stored whole); {len(stored)} letters read back; "
        f"{len(left)} unreferenced files from cut-off uploads"
    )
