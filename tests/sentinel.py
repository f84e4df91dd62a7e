"""The sentinel scan shared by every capability's "never in clear at rest" test: unique markers
go into the sealed fields, then every file under the data directory (database and its log,
keys), a PostgreSQL dump and everything logged are searched for them, as UTF-8, hex and UTF-16.

A test module imports `captured_log` (a fixture) and calls `found_at_rest` once the markers are
in and read back in clear (so they really went in)."""

from __future__ import annotations

import logging
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from homeward.core.runtime import Runtime


def marker(kind: str) -> str:
    return f"SENTINEL-{kind}-{secrets.token_hex(8)}"


def forms(text: str) -> list[bytes]:
    raw = text.encode()
    return [raw, raw.hex().encode(), text.encode("utf-16-le")]


def hits(blob: bytes, markers: list[str]) -> list[str]:
    return [m for m in markers if any(form in blob for form in forms(m))]


def files_under(folder: Path) -> Iterator[Path]:
    yield from (path for path in folder.rglob("*") if path.is_file())


@pytest.fixture
def captured_log(tmp_path: Path) -> Iterator[Path]:
    """Everything any logger emits, at every level, goes to a file searched afterwards."""
    path = tmp_path / "everything.log"
    handler = logging.FileHandler(path)
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield path
    root.removeHandler(handler)
    root.setLevel(previous)
    handler.close()


def dump(runtime: Runtime) -> bytes:
    """The PostgreSQL database as `pg_dump` writes it (empty on SQLite)."""
    url = runtime.settings.effective_database_url
    if not url.startswith("postgresql"):
        return b""
    return subprocess.run(
        ["pg_dump", "--no-owner", url], check=True, capture_output=True, timeout=120
    ).stdout


def found_at_rest(
    runtime: Runtime, markers: list[str], log: Path, *tables: str
) -> dict[str, list[str]]:
    """Where any marker stands in clear: each data file, the dump (which must hold `tables`,
    so that an empty dump cannot pass) and the log. Empty when nothing leaked."""
    runtime.db.dispose()  # the SQLite log is folded in or left as it is: both are searched
    found: dict[str, list[str]] = {}
    for path in files_under(runtime.settings.data_dir):
        if in_file := hits(path.read_bytes(), markers):
            found[str(path)] = in_file
    dumped = dump(runtime)
    if runtime.settings.effective_database_url.startswith("postgresql"):
        for table in tables:
            assert table.encode() in dumped, f"the dump holds no {table} table"
    if in_dump := hits(dumped, markers):
        found["pg_dump"] = in_dump
    if in_log := hits(log.read_bytes(), markers):
        found["log"] = in_log
    return found
