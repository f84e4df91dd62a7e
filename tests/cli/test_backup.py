"""`homeward backup` and `homeward restore` as an operator uses them, on both engines: the drill
(letters with files and replies, back up, lose the data folder, restore into an empty one,
read every message and file back), a backup taken while letters keep arriving, and every
refusal, each of which must leave the target exactly as it was."""

from __future__ import annotations

import base64
import json
import secrets
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from homeward.cli.main import app
from homeward.contact import inbox
from homeward.contact import service as contact_service
from homeward.core.runtime import Runtime
from homeward.core.settings import Settings
from homeward.web.app import create_app
from tests import helpers
from tests.read_back import ReadMessage, half_written, read_all

BASE_URL = "http://127.0.0.1"
LETTERS = [
    ("Je veux rentrer avec ma fille. Voici son acte.", [("acte.jpg", 70_000)]),
    ("Ich bin in Rakka. Kein Dokument.", []),
    ("Two files: my passport and a photo.", [("passport.pdf", 150_000), ("photo.png", 3_000)]),
]


@dataclass(frozen=True)
class Place:
    """A data folder and the database URL that go with it."""

    folder: Path
    url: str


def _content(name: str, size: int) -> bytes:
    seed = name.encode()
    return (seed * (size // len(seed) + 1))[:size]


def _write(runtime: Runtime, letter: str, files: list[tuple[str, int]]) -> str:
    contact = TestClient(create_app(runtime), base_url=BASE_URL)
    codename = helpers.contact_start(contact)
    uploads = [(name, _content(name, size), "application/octet-stream") for name, size in files]
    assert helpers.contact_write(contact, letter, files=uploads) == 303
    return codename


@pytest.fixture
def world(runtime: Runtime, personas: helpers.Personas) -> dict[str, str]:
    """Three contacts write to FRA (two with files); FRA answers each. Codename → letter."""
    codenames: dict[str, str] = {}
    keyring = helpers.keyring(runtime, personas["fra_officer"])
    for number, (letter, files) in enumerate(LETTERS):
        codenames[_write(runtime, letter, files)] = letter
        with runtime.db.transaction() as session:
            rows, _total = inbox.inbox(session=session, principal=keyring.principal)
            unanswered = [row.id for row in rows if row.message_count == 1]
            inbox.reply(
                session=session,
                keyring=keyring,
                conversation_id=unanswered[0],
                text=f"Reply {number}: we have your letter.",
            )
    return codenames


@contextmanager
def _target(engine_name: str, folder: Path) -> Iterator[Place]:
    """Where a restore goes: a new data folder and, on PostgreSQL, a new empty database."""
    if engine_name == "sqlite":
        yield Place(folder, "")
        return
    url = helpers.require_postgres()
    name = f"hw_restore_{secrets.token_hex(5)}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield Place(folder, url.rsplit("/", 1)[0] + "/" + name)
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _cli(*args: str) -> tuple[int, str]:
    """Exit code and output, with Rich's line wrapping undone."""
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, " ".join(result.output.split())


@dataclass
class Operator:
    """An operator's shell: the install it came from, an empty place to restore into, and the
    environment the commands read."""

    source: Place
    target: Place
    folder: Path
    monkeypatch: pytest.MonkeyPatch

    def use(self, place: Place) -> None:
        self.monkeypatch.setenv("HOMEWARD_DATA_DIR", str(place.folder))
        self.monkeypatch.setenv("HOMEWARD_DATABASE_URL", place.url)

    def backup(self) -> tuple[Path, Path]:
        """`homeward backup` of the source; the keys go to a folder of their own."""
        self.use(self.source)
        dest, keys = self.folder / "backup", self.folder / "apart" / "homeward.keys"
        keys.parent.mkdir(exist_ok=True)
        code, output = _cli("backup", str(dest), "--keys-out", str(keys))
        assert code == 0, output
        return dest, keys

    def restore(self, dest: Path, keys: Path, place: Place | None = None) -> tuple[int, str]:
        self.use(place or self.target)
        return _cli("restore", str(dest), "--keys", str(keys))


@pytest.fixture
def operator(
    engine_name: str, runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Operator]:
    source = Place(runtime.settings.data_dir, runtime.settings.effective_database_url)
    with _target(engine_name, tmp_path / "restored") as target:
        yield Operator(source, target, tmp_path, monkeypatch)


def _runtime_here() -> Runtime:
    return Runtime.from_settings(Settings())


def _contents(runtime: Runtime, persona: helpers.Persona) -> list[ReadMessage]:
    return sorted(read_all(runtime, persona), key=lambda m: (m.direction, m.text))


def _files_under(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _tables(url: str) -> int:
    """Tables in the target database, read without making it (no runtime, no file created)."""
    if not url:
        return 0
    with psycopg.connect(url) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone()
    return int(row[0]) if row else 0


def test_restore_drill(
    engine_name: str,
    runtime: Runtime,
    world: dict[str, str],
    personas: helpers.Personas,
    operator: Operator,
) -> None:
    before = _contents(runtime, personas["fra_officer"])
    assert len(before) == 6
    assert sum(len(m.files) for m in before) == 3
    dest, keys = operator.backup()

    manifest = json.loads((dest / "manifest.json").read_text())
    assert manifest["engine"] == engine_name
    assert manifest["schema_revision"]
    assert manifest["counts"]["message"] == 6
    assert manifest["counts"]["attachment"] == 3
    assert manifest["blobs_missing"] == []
    blob_files = [name for name in manifest["files"] if name.startswith("blobs/")]
    assert len(blob_files) == 3
    assert all(len(entry["sha256"]) == 64 for entry in manifest["files"].values())
    assert keys.stat().st_mode & 0o777 == 0o600
    backed_up = _files_under(dest)
    for key_file in runtime.settings.keys_dir.iterdir():
        secret = key_file.read_bytes()
        assert all(secret not in content for content in backed_up.values())

    # The data folder is lost; on PostgreSQL the restore goes into a new, empty database.
    runtime.close()
    shutil.rmtree(operator.source.folder)
    code, output = operator.restore(dest, keys)
    assert code == 0, output

    restored = _runtime_here()
    try:
        assert restored.settings.data_dir == operator.target.folder
        assert _contents(restored, personas["fra_officer"]) == before
        assert half_written(restored) == []
        for codename in world:
            with restored.db.transaction() as session:
                contact, contact_keys = contact_service.sign_in(
                    session=session, secrets=restored.secrets, cost=restored.cost, codename=codename
                )
                items = contact_service.conversation_for_contact(
                    session=session, contact_id=contact.id, keys=contact_keys
                )
            replies = [item.text for item in items if item.text]
            assert len(replies) == 1
            assert replies[0].startswith("Reply ")
    finally:
        restored.close()
    code, output = _cli("audit", "verify")
    assert code == 0, output
    assert "ok" in output


@pytest.mark.usefixtures("world")
def test_restore_refuses_and_changes_nothing(engine_name: str, operator: Operator) -> None:
    source, target = operator.source, operator.target
    dest, keys = operator.backup()

    # Into the install it came from: it holds data.
    before = _files_under(source.folder)
    code, output = operator.restore(dest, keys, source)
    assert code == 2
    assert "not empty" in output
    assert _files_under(source.folder) == before

    if engine_name == "postgresql":
        # An empty data folder, but a database that holds data.
        code, output = operator.restore(dest, keys, Place(target.folder, source.url))
        assert code == 2
        assert "already holds" in output
        assert "empty database" in output
        assert _files_under(target.folder) == {}

    stranger = operator.folder / "stranger.keys"
    body = json.loads(keys.read_text())
    body["keys"]["pepper.key"] = base64.b64encode(secrets.token_bytes(32)).decode()
    stranger.write_text(json.dumps(body))
    code, output = operator.restore(dest, stranger)
    assert code == 2
    assert "does not belong to this backup" in output

    damaged = sorted((dest / "blobs").iterdir())[-1]
    content = bytearray(damaged.read_bytes())
    content[len(content) // 2] ^= 1
    damaged.write_bytes(bytes(content))
    code, output = operator.restore(dest, keys)
    assert code == 2
    assert f"blobs/{damaged.name} does not match its checksum" in output

    code, output = operator.restore(keys.parent, keys)
    assert code == 2
    assert "no manifest.json" in output

    manifest = json.loads((dest / "manifest.json").read_text())
    manifest["files"]["blobs/../../keys/data.key"] = {"sha256": "0" * 64, "bytes": 32}
    (dest / "manifest.json").write_text(json.dumps(manifest))
    code, output = operator.restore(dest, keys)
    assert code == 2
    assert "manifest.json is damaged: it lists 'blobs/../../keys/data.key'" in output

    # After every refusal the target holds nothing: no file, no folder, no table.
    assert not target.folder.exists()
    assert _tables(target.url) == 0


@pytest.mark.usefixtures("world")
def test_backup_refuses_unsafe_places(operator: Operator) -> None:
    operator.use(operator.source)
    dest = operator.folder / "backup"
    code, output = _cli("backup", str(dest), "--keys-out", str(dest / "keys.json"))
    assert code == 2
    assert "keep them apart" in output
    assert not dest.exists()

    taken = operator.folder / "taken.keys"
    taken.write_text("something else")
    code, output = _cli("backup", str(dest), "--keys-out", str(taken))
    assert code == 2
    assert "must be a new file" in output
    assert taken.read_text() == "something else"
    assert not dest.exists()

    dest.mkdir()
    (dest / "old.txt").write_text("an older backup")
    fresh_keys = operator.folder / "new.keys"
    code, output = _cli("backup", str(dest), "--keys-out", str(fresh_keys))
    assert code == 2
    assert "not an empty folder" in output
    assert [p.name for p in dest.iterdir()] == ["old.txt"]
    assert not fresh_keys.exists()


def _scan(number: str) -> tuple[str, bytes]:
    return f"scan-{number}.jpg", _content(f"scan-{number}", 20_000)


def test_backup_while_letters_arrive_is_consistent(
    runtime: Runtime, personas: helpers.Personas, operator: Operator
) -> None:
    """A contact keeps writing, with files, while the backup runs: the restored copy is one
    state of the server (counts as the manifest says, every named file there, the log whole)."""
    stop = threading.Event()
    sent: list[int] = []
    contact = TestClient(create_app(runtime), base_url=BASE_URL)
    helpers.contact_start(contact)

    def keep_writing() -> None:
        while not stop.is_set():
            name, content = _scan(str(len(sent)))
            files = [(name, content, "image/jpeg")]
            assert helpers.contact_write(contact, f"Letter {len(sent)}", files=files) == 303
            sent.append(len(sent))

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        while len(sent) < 3:
            stop.wait(0.01)
        dest, keys = operator.backup()
    finally:
        stop.set()
        writer.join(30)
    manifest = json.loads((dest / "manifest.json").read_text())
    assert 3 <= manifest["counts"]["message"] <= len(sent)

    code, output = operator.restore(dest, keys)
    assert code == 0, output
    restored = _runtime_here()
    try:
        read = read_all(restored, personas["fra_officer"])
        assert len(read) == manifest["counts"]["message"]
        for message in read:
            assert message.files == (_scan(message.text.removeprefix("Letter ")),)
        assert half_written(restored) == []
    finally:
        restored.close()
    code, output = _cli("audit", "verify")
    assert code == 0, output


@pytest.mark.usefixtures("world")
def test_a_file_gone_before_its_copy_is_named_in_the_manifest(
    runtime: Runtime, operator: Operator
) -> None:
    """A letter's file deleted after the snapshot (its account erased meanwhile) cannot be
    copied: the backup says so instead of failing or passing over it in silence."""
    gone = sorted(runtime.settings.blobs_dir.iterdir())[0]
    gone.unlink()
    operator.use(operator.source)
    dest, keys = operator.folder / "backup", operator.folder / "backup.keys"
    code, output = _cli("backup", str(dest), "--keys-out", str(keys))
    assert code == 0, output
    assert "1 of the files the snapshot names were deleted before their copy" in output
    manifest = json.loads((dest / "manifest.json").read_text())
    assert manifest["blobs_missing"] == [gone.name]
    assert manifest["blobs_referenced"] == 3
    assert f"blobs/{gone.name}" not in manifest["files"]
