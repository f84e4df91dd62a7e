"""Issue 9: every file under the data directory is the server user's alone (0600, folders
0700): the SQLite database and its -wal and -shm, the keys and the encrypted files. And SQLite
syncs its log at every commit, so a power cut loses no acknowledged letter."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from fastapi.testclient import TestClient

from homeward.core.db import Database
from homeward.core.runtime import Runtime
from homeward.core.settings import Settings
from tests import helpers


def _modes(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): oct(stat.S_IMODE(path.stat().st_mode))
        for path in [folder, *folder.rglob("*")]
    }


def test_every_file_in_the_data_directory_is_owner_only(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    data_dir = runtime.settings.data_dir
    helpers.contact_start(client)
    written = helpers.contact_write(
        client, "a synthetic letter", files=[("a.txt", b"synthetic file", "text/plain")]
    )
    assert written == 303
    modes = _modes(data_dir)
    if runtime.db.engine.dialect.name == "sqlite":
        # All of them present and looked at: the live database's log and index too.
        assert {"homeward.sqlite3", "homeward.sqlite3-wal", "homeward.sqlite3-shm"} <= set(modes)
    assert any(name.startswith("blobs/") for name in modes)
    assert any(name.startswith("keys/") for name in modes)
    expected = {name: "0o700" if (data_dir / name).is_dir() else "0o600" for name in modes}
    assert modes == expected


def test_a_new_database_file_is_created_owner_only(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        db = Database(f"sqlite:///{tmp_path / 'new.sqlite3'}")
        with db.transaction() as session:
            session.connection().exec_driver_sql("CREATE TABLE t (n INTEGER)")
        modes = _modes(tmp_path)  # while open: the log and its index are there
        db.dispose()
    finally:
        os.umask(previous)
    del modes["."]
    assert modes == dict.fromkeys(["new.sqlite3", "new.sqlite3-shm", "new.sqlite3-wal"], "0o600")


def _synchronous(db: Database) -> int:
    with db.transaction() as session:
        return int(session.connection().exec_driver_sql("PRAGMA synchronous").scalar_one())


def test_sqlite_syncs_every_commit_unless_told_otherwise(tmp_path: Path) -> None:
    full, normal = 2, 1  # SQLite's numbers for the two settings
    assert Settings().sqlite_synchronous == "full"
    made = Database(f"sqlite:///{tmp_path / 'full.sqlite3'}")
    relaxed = Database(f"sqlite:///{tmp_path / 'normal.sqlite3'}", sqlite_synchronous="normal")
    try:
        assert _synchronous(made) == full
        assert _synchronous(relaxed) == normal
    finally:
        made.dispose()
        relaxed.dispose()
