"""The database half of backup and restore, one pair of functions per engine.

SQLite is copied through its online backup API, PostgreSQL through `pg_dump` (custom format)
on a snapshot exported from a transaction of our own, so that the list of files and the row
counts written into the manifest are read from exactly the state the copy holds. Connection
details reach `pg_dump` and `pg_restore` through the environment, never on the command line,
where any user of the machine could read a password.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL, make_url

from homeward.core.errors import HomewardError

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
APP_ROLE = "homeward_app"
"""The role the migrations grant the application's rights to (0002); a dump's grants name it."""
_TOOL_TIMEOUT_SECONDS = 6 * 3600


class BackupRefused(HomewardError):
    """A backup or restore that cannot go ahead; the message says why, and nothing changed."""


@dataclass(frozen=True)
class Snapshot:
    """What the copied database holds, read from the copy's own snapshot."""

    revision: str | None
    counts: dict[str, int]
    blob_names: list[str]


def engine_of(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in (SQLITE, POSTGRESQL):
        raise BackupRefused(f"backup supports SQLite and PostgreSQL, not {backend}")
    return backend


def shown(url: str) -> str:
    """The URL as it may appear in a message: never with its password."""
    return make_url(url).render_as_string(hide_password=True)


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupRefused("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


# --- what a snapshot holds -------------------------------------------------------------------

Query = Callable[[str], list[tuple[Any, ...]]]


def _read_snapshot(query: Query, tables: list[str], quote: Callable[[str], str]) -> Snapshot:
    counts = {
        table: int(query(f"SELECT count(*) FROM {quote(table)}")[0][0])  # noqa: S608 - catalog names, quoted
        for table in tables
    }
    revision = None
    if "alembic_version" in counts:
        rows = query("SELECT version_num FROM alembic_version")
        revision = str(rows[0][0]) if rows else None
    blob_names: list[str] = []
    if "attachment" in counts:
        blob_names = sorted(str(row[0]) for row in query("SELECT blob_name FROM attachment"))
    return Snapshot(revision=revision, counts=counts, blob_names=blob_names)


def _sqlite_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _read_sqlite(path: Path) -> Snapshot:
    # immutable=1: the copy is read as a plain file, with no lock and no -wal or -shm made.
    with contextlib.closing(
        sqlite3.connect(f"file:{path.as_posix()}?mode=ro&immutable=1", uri=True)
    ) as copy:

        def query(text: str) -> list[tuple[Any, ...]]:
            return list(copy.execute(text).fetchall())

        tables = [
            str(row[0])
            for row in query(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return _read_snapshot(query, tables, _sqlite_quote)


# --- SQLite ----------------------------------------------------------------------------------


def copy_sqlite(url: str, target: Path) -> Snapshot:
    """One backup step over every page: SQLite holds a single read transaction for the whole
    copy, so it is one consistent state even while the server writes (WAL lets it go on)."""
    source_path = sqlite_path(url)
    if not source_path.exists():
        raise BackupRefused(f"no database at {source_path}: nothing to back up")
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(descriptor)
    with (
        contextlib.closing(sqlite3.connect(source_path, timeout=30)) as source,
        contextlib.closing(sqlite3.connect(target)) as copy,
    ):
        source.backup(copy, pages=-1)
    # The copy keeps the source's WAL flag in its header; leave it a single self-contained file.
    with contextlib.closing(sqlite3.connect(target, isolation_level=None)) as copy:
        copy.execute("PRAGMA journal_mode=DELETE")
    fsync_file(target)
    return _read_sqlite(target)


def sqlite_holds_data(url: str) -> str | None:
    """Why the SQLite target is not empty, or None when a restore may write it."""
    path = sqlite_path(url)
    for suffix in ("-wal", "-journal"):
        side = Path(f"{path}{suffix}")
        if side.exists() and side.stat().st_size > 0:
            return f"{side} exists (a database was in use there)"
    if not path.exists() or path.stat().st_size == 0:
        return None
    try:
        with contextlib.closing(
            sqlite3.connect(f"file:{path.as_posix()}?mode=ro&immutable=1", uri=True)
        ) as existing:
            tables = existing.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.DatabaseError:
        return f"{path} exists and is not an empty SQLite database"
    return f"the database {path} already holds {tables} objects" if tables else None


def place_sqlite(staged: Path, url: str) -> None:
    """The last step of a restore: one rename, so the database is there whole or not at all."""
    target = sqlite_path(url)
    staged.replace(target)
    fsync_dir(target.parent)


# --- PostgreSQL ------------------------------------------------------------------------------


def _libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _tool_env(url: URL) -> dict[str, str]:
    env = dict(os.environ)
    for name, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None:
            env[name] = str(value)
    sslmode = url.query.get("sslmode")
    if isinstance(sslmode, str):
        env["PGSSLMODE"] = sslmode
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupRefused(f"{name} not found: install the PostgreSQL client tools (15 or newer)")
    return found


def _run_tool(command: list[str], url: str) -> None:
    done = subprocess.run(  # noqa: S603 - fixed tool, arguments built here
        command,
        env=_tool_env(make_url(url)),
        capture_output=True,
        check=False,
        timeout=_TOOL_TIMEOUT_SECONDS,
    )
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
        raise BackupRefused(
            f"{Path(command[0]).name} failed (exit {done.returncode}): " + " / ".join(said)
        )


@contextlib.contextmanager
def _connect(url: str, *, autocommit: bool) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
    try:
        connection = psycopg.connect(_libpq_url(url), autocommit=autocommit, connect_timeout=10)
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BackupRefused(f"cannot connect to {shown(url)}: {first}") from exc
    with connection:
        yield connection


def dump_postgres(url: str, target: Path) -> Snapshot:
    """pg_dump on a snapshot exported from our own repeatable-read transaction, which also
    reads the counts and the file names: the dump and the manifest describe the same state."""
    pg_dump = _tool("pg_dump")
    with _connect(url, autocommit=False) as connection:
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        exported = connection.execute("SELECT pg_export_snapshot()").fetchone()
        assert exported is not None  # noqa: S101 - the function always returns a row

        def query(text: str) -> list[tuple[Any, ...]]:
            return list(connection.execute(text.encode()).fetchall())

        tables = [
            str(row[0])
            for row in query(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1"
            )
        ]

        def quote(name: str) -> str:
            return sql.Identifier(name).as_string(connection)

        snapshot = _read_snapshot(query, tables, quote)
        command = [pg_dump, "--format=custom", f"--snapshot={exported[0]}", f"--file={target}"]
        _run_tool(command, url)
        connection.rollback()
    os.chmod(target, 0o600)
    fsync_file(target)
    return snapshot


def postgres_holds_data(url: str) -> str | None:
    """Why the PostgreSQL target is not empty, or None. It must exist: a restore goes into an
    empty database that the operator created, with the owner and settings they chose."""
    with _connect(url, autocommit=True) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%' "
            "AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
        ).fetchone()
    relations = int(row[0]) if row else 0
    if relations:
        return f"the database {shown(url)} already holds {relations} tables, views or sequences"
    return None


def check_restore_tools() -> None:
    _tool("pg_restore")


def restore_postgres(dump: Path, url: str) -> None:
    """pg_restore in one transaction that stops at the first error, so a failed restore leaves
    the database empty. Objects belong to the restoring user; the grants to the application
    role are kept, so the role is made first if this server lacks it (as the migrations do)."""
    pg_restore = _tool("pg_restore")
    with _connect(url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_roles WHERE rolname = %s", (APP_ROLE,)
        ).fetchone()
        if exists is None:
            connection.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(APP_ROLE)))
    database = make_url(url).database or ""
    command = [
        pg_restore,
        "--single-transaction",
        "--exit-on-error",
        "--no-owner",
        f"--dbname={database}",
        str(dump),
    ]
    _run_tool(command, url)


# --- files -----------------------------------------------------------------------------------


def fsync_file(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fsync_file(path)
