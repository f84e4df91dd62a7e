"""The real server under test: a fresh database per run (loopback PostgreSQL or SQLite), and
`homeward serve` on a free loopback port, stopped afterwards."""

from __future__ import annotations

import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psycopg

LOOPBACK = "127.0.0.1"


DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


READY_SECONDS = 60.0


STOP_SECONDS = 15.0


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


def homeward_command() -> Path:
    command = Path(sys.executable).parent / "homeward"
    if not command.exists():
        raise SystemExit(f"{command} not found: install the project (make install)")
    return command


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
