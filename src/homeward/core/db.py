"""Database engine, the base model and the one transaction scope every caller uses.

Services add and flush; only the request or the CLI command that owns the transaction commits.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import DateTime, MetaData, String, TypeDecorator, create_engine, event
from sqlalchemy.engine import Dialect, Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import QueuePool

logger = logging.getLogger(__name__)

SqliteSync = Literal["full", "normal"]
"""FULL syncs the WAL at every commit, so a power loss keeps every acknowledged letter; NORMAL
syncs only at checkpoints and may lose the last few (a crash of the process loses none)."""
FILE_MODE = 0o600
SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")
BUSY_TIMEOUT_MS = 10_000
CHECKPOINT_TRIES = 10
CHECKPOINT_BUSY_MS = 20
CHECKPOINT_PAUSE_SECONDS = 0.03
"""A checkpoint held back by readers gives up after about half a second; the next one folds."""

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every engine (SQLite stores naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            msg = "naive datetime given; Homeward stores UTC only"
            raise ValueError(msg)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime}  # noqa: RUF012 - SQLAlchemy reads it as is


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    """Random identifiers: they reveal neither order nor count."""
    return uuid.uuid4().hex


def id_column_type() -> String:
    return String(32)


def _sqlite_file(url: str) -> Path | None:
    database = make_url(url).database
    return None if not database or database == ":memory:" else Path(database)


def _owner_only(path: Path) -> None:
    """The database and its WAL, shared-memory and journal files readable by the server's user
    only (SQLite gives the files it adds the main file's mode, so the main file comes first)."""
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    for suffix in SQLITE_SUFFIXES:
        with contextlib.suppress(FileNotFoundError):
            os.chmod(f"{path}{suffix}", FILE_MODE)


def _sqlite_pragmas(
    dbapi_connection: Any, _record: Any, *, path: Path | None, synchronous: SqliteSync
) -> None:
    if path is not None:
        _owner_only(path)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # Deleted content is overwritten, not left in free pages of the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    """SQLite has one writer at a time. Taking the write lock when the transaction begins
    (instead of at its first write) makes concurrent transactions queue on busy_timeout rather
    than fail with SQLITE_BUSY when a read snapshot turns out stale at the first write.
    pysqlite's own transaction handling is off (isolation_level=None) so that this is the only
    BEGIN, as SQLAlchemy's SQLite documentation recommends."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, *, sqlite_synchronous: SqliteSync = "full") -> Engine:
    if sqlite_synchronous not in ("full", "normal"):
        msg = f"sqlite_synchronous must be 'full' or 'normal', not {sqlite_synchronous!r}"
        raise ValueError(msg)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        # One connection per process. Every transaction takes the write lock at BEGIN, so a
        # second connection could only wait in SQLite's busy handler, which sleeps and retries
        # (up to 100 ms a try) and lets newcomers overtake: seconds of tail latency under load.
        # Waiting for the pool's one connection is a queue that wakes waiters in turn instead,
        # bounded like busy_timeout.
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 10, "isolation_level": None},
            poolclass=QueuePool,
            pool_size=1,
            max_overflow=0,
            pool_timeout=10,
        )
        pragmas = partial(_sqlite_pragmas, path=_sqlite_file(url), synchronous=sqlite_synchronous)
        event.listen(engine, "connect", pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


class Database:
    """An engine and its session factory; one per application or CLI process."""

    def __init__(self, url: str, *, sqlite_synchronous: SqliteSync = "full") -> None:
        self.url = url
        self.engine = make_engine(url, sqlite_synchronous=sqlite_synchronous)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits on success, rolls everything back on any error."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def fold_log(self) -> bool:
        """After a deletion has committed: on SQLite, copy the write-ahead log into the database
        file and truncate it, so the deleted rows' old pages are in neither (secure_delete has
        zeroed them in the pages that replace them). Runs outside any transaction, as SQLite
        requires; a reader in another process holds the log back, so it retries briefly (and
        `homeward purge` folds it again).
        Returns whether the log was emptied (always True on PostgreSQL, which has its own; see
        README on what remains there)."""
        if self.engine.dialect.name != "sqlite":
            return True
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            # Not the usual 10 s busy wait per try: this connection is the process's only one.
            cursor.execute(f"PRAGMA busy_timeout={CHECKPOINT_BUSY_MS}")
            try:
                for _ in range(CHECKPOINT_TRIES):
                    cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    row = cursor.fetchone()  # (busy, frames in the log, frames copied)
                    if row is not None and row[0] == 0:
                        return True
                    time.sleep(CHECKPOINT_PAUSE_SECONDS)
            finally:
                cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        finally:
            connection.close()
        logger.warning("the SQLite log could not be emptied after a deletion: a reader held it")
        return False

    def compact(self, tables: Sequence[str]) -> None:
        """Rewrite these tables so deleted rows leave no bytes in them. On PostgreSQL a deleted
        row stays in its page, and in its indexes, until VACUUM; a plain VACUUM frees the space
        but can leave the bytes (measured: a page's newest row stays), so this is VACUUM FULL,
        which copies the live rows into new files and takes each table's exclusive lock for
        the copy: for a quiet hour, not for every request. On SQLite, secure_delete and
        `fold_log` already leave nothing; VACUUM here only gives free pages back."""
        if self.engine.dialect.name == "sqlite":
            raw = self.engine.raw_connection()  # outside any transaction, as VACUUM needs
            try:
                raw.cursor().execute("VACUUM")
            finally:
                raw.close()
            self.fold_log()
            return
        names = ", ".join(f'"{name}"' for name in tables)
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"VACUUM (FULL, ANALYZE) {names}")

    def dispose(self) -> None:
        self.engine.dispose()
