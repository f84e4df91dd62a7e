"""After a contact's deletion commits, SQLite's write-ahead log is folded into the database file
and truncated; a reader in another process holds it back, and the fold says so."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from homeward.core.db import Database


def _database(tmp_path: Path) -> tuple[Database, Path]:
    path = tmp_path / "fold.sqlite3"
    db = Database(f"sqlite:///{path}")
    with db.transaction() as session:
        session.connection().exec_driver_sql("CREATE TABLE letter (body BLOB)")
        session.connection().exec_driver_sql("INSERT INTO letter VALUES (randomblob(5000))")
    with db.transaction() as session:
        session.connection().exec_driver_sql("DELETE FROM letter")
    return db, Path(f"{path}-wal")


def test_fold_log_empties_the_log_after_commit(tmp_path: Path) -> None:
    db, log = _database(tmp_path)
    assert log.stat().st_size > 0
    assert db.fold_log()
    assert log.stat().st_size == 0
    db.dispose()


def test_a_reader_elsewhere_holds_the_log_and_the_fold_says_so(tmp_path: Path) -> None:
    db, log = _database(tmp_path)
    reader = sqlite3.connect(tmp_path / "fold.sqlite3", isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM letter").fetchone()
    try:
        assert not db.fold_log()
        assert log.stat().st_size > 0
    finally:
        reader.execute("COMMIT")
        reader.close()
    assert db.fold_log()
    assert log.stat().st_size == 0
    db.dispose()
