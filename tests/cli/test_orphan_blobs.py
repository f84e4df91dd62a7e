"""Issue 9, point 12: encrypted files an upload cut off by a crash left without a row are
removed by `homeward purge` and at start-up, once an hour old; a younger one (an upload may be
in flight, its row not yet written) and every file a row names stay."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from homeward.audit import service as audit
from homeward.cli import main
from homeward.contact.models import Attachment
from homeward.core.runtime import Runtime
from tests import helpers

HOUR = 3600


def _blob(folder: Path, *, age_seconds: float, name: str | None = None) -> str:
    name = name or secrets.token_hex(16)
    path = folder / name
    path.write_bytes(secrets.token_bytes(64))  # stands for ciphertext
    when = time.time() - age_seconds
    os.utime(path, (when, when))
    return name


@pytest.fixture
def blobs_on_disk(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> dict[str, list[str]]:
    """Two files with rows (one of them old), old and young orphans, and an old file whose
    name is not a blob's."""
    for n in range(2):
        files = [(f"scan-{n}.txt", b"synthetic scan", "text/plain")]
        helpers.contact_start(client)
        assert helpers.contact_write(client, f"synthetic letter {n}", files=files) == 303
    folder = runtime.settings.blobs_dir
    with runtime.db.transaction() as session:
        named = list(session.scalars(select(Attachment.blob_name)))
    assert len(named) == 2
    old = time.time() - 3 * HOUR
    os.utime(folder / named[0], (old, old))
    return {
        "named": named,
        "old orphans": [_blob(folder, age_seconds=age) for age in (HOUR + 60, 30 * 24 * HOUR)],
        "young orphans": [_blob(folder, age_seconds=age) for age in (0, HOUR - 60)],
        "not blobs": [_blob(folder, age_seconds=2 * HOUR, name="notes.txt")],
    }


def _left(runtime: Runtime) -> set[str]:
    return {path.name for path in runtime.settings.blobs_dir.iterdir()}


def _cli_env(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOMEWARD_DATA_DIR", str(runtime.settings.data_dir))
    monkeypatch.setenv("HOMEWARD_DATABASE_URL", runtime.settings.database_url)


def test_purge_removes_old_orphans_only(
    runtime: Runtime, blobs_on_disk: dict[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _cli_env(runtime, monkeypatch)
    result = CliRunner().invoke(main.app, ["purge"])
    assert result.exit_code == 0, result.output
    assert "2 encrypted files without a message" in " ".join(result.output.split())
    kept = {*blobs_on_disk["named"], *blobs_on_disk["young orphans"], *blobs_on_disk["not blobs"]}
    assert _left(runtime) == kept
    with runtime.db.transaction() as session:
        entries = audit.entries(session=session, action="contact:blob:purge-orphans")
    assert [entry.resource_id for entry in entries] == ["2"]

    again = CliRunner().invoke(main.app, ["purge"])
    assert again.exit_code == 0, again.output
    assert "0 encrypted files without a message" in " ".join(again.output.split())
    assert _left(runtime) == kept


def test_serve_removes_old_orphans_before_it_listens(
    runtime: Runtime, blobs_on_disk: dict[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _cli_env(runtime, monkeypatch)
    served: list[Runtime] = []
    # Stands in for uvicorn only: what start-up did before it is the real thing.
    monkeypatch.setattr(main, "_serve", lambda started, _host, _port: served.append(started))
    result = CliRunner().invoke(main.app, ["serve", "--port", "8765"])
    assert result.exit_code == 0, result.output
    assert len(served) == 1
    served[0].close()
    assert "Removed 2 encrypted files" in " ".join(result.output.split())
    kept = {*blobs_on_disk["named"], *blobs_on_disk["young orphans"], *blobs_on_disk["not blobs"]}
    assert _left(runtime) == kept
