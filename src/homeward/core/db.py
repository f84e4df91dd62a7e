"""Database engine, the base model and the one transaction scope every caller uses.

Services add and flush; only the request or the CLI command that owns the transaction commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, String, TypeDecorator, create_engine, event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import QueuePool

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


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
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


def make_engine(url: str) -> Engine:
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
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


class Database:
    """An engine and its session factory; one per application or CLI process."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
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

    def dispose(self) -> None:
        self.engine.dispose()
