"""Writing a million rows fast, inside the caller's transaction: PostgreSQL's COPY, and on
SQLite the driver's own executemany, both on the session's connection. Only for the bulk
import's three tables, whose values are plain strings, integers, bytes and one timestamp
(converted once by the column's own type, so rows read back exactly as the ORM wrote them)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from homeward.core.db import Base

TABLES = frozenset({"person", "person_report", "person_report_key"})


def timestamp(session: Session, moment: datetime) -> Any:
    """`moment` as the driver receives it for a `created_at` column."""
    connection = session.connection()
    column = Base.metadata.tables["person"].c.created_at
    process = column.type.bind_processor(connection.dialect)
    return process(moment) if process else moment


@contextmanager
def large_cache(session: Session, mebibytes: int = 256) -> Iterator[None]:
    """On SQLite, a larger page cache while a bulk import runs: its index inserts land at
    random places of large B-trees, which a 2 MiB cache turns into disk reads."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{int(mebibytes) * 1024}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before or -2000)}")


def write(
    session: Session, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    if not rows:
        return
    if table not in TABLES or not set(columns) <= set(Base.metadata.tables[table].c.keys()):
        msg = f"bulk writes only go to {sorted(TABLES)}, by their own column names"
        raise ValueError(msg)
    connection = session.connection()
    driver = connection.connection.driver_connection
    assert driver is not None  # noqa: S101 - a live connection from the session
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(columns))
    cursor = driver.cursor()
    try:
        # Names checked above against the table's own columns; values are bound.
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608
    finally:
        cursor.close()
