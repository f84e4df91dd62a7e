"""Backup and restore: a consistent copy of the database, the encrypted files and the server
keys, with the keys in a file of their own so that the two can be kept apart.

Why this shape:
- The database is copied first, as one snapshot, and the files it names are copied after. A
  file is written before the row that names it commits, so every file the snapshot names is
  on disk unless it was deleted meanwhile (the manifest lists those); uploads in flight and
  files of deleted letters are left out.
- The keys file (mode 0600) is the part that opens things: without it a backup opens no
  letter, file or server-sealed field and matches no codename. The manifest keeps only a
  fingerprint of the keys, so a restore can tell whether a keys file belongs to the backup.
- A restore (core/restore.py) checks the keys, an empty target and every checksum before it
  changes anything.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from homeward.core import backup_engines as engines
from homeward.core.backup_engines import BackupRefused
from homeward.core.db import utcnow
from homeward.core.settings import Settings

BACKUP_FORMAT = "homeward-backup/1"
KEYS_FORMAT = "homeward-backup-keys/1"
MANIFEST_FILE = "manifest.json"
DATABASE_FILES = {engines.SQLITE: "database.sqlite3", engines.POSTGRESQL: "database.pgdump"}
BLOBS_FOLDER = "blobs"
_CHUNK = 1024 * 1024

__all__ = ["BackupRefused", "Manifest", "create_backup", "read_manifest"]

Progress = Callable[[str, int, int | None], None]
"""(step, done, total): long steps report as they go; the CLI draws them with Rich."""


def quiet(_step: str, _done: int, _total: int | None) -> None:
    return None


@dataclass(frozen=True)
class Manifest:
    """What a backup holds, with a SHA-256 for every file (paths relative to the backup)."""

    backup_id: str
    created_at: str
    engine: str
    schema_revision: str | None
    counts: dict[str, int]
    files: dict[str, dict[str, Any]]
    """path → {"sha256": hex, "bytes": size}."""
    keys_fingerprint: str
    blobs_referenced: int
    blobs_missing: list[str] = field(default_factory=list)
    """Files the snapshot names that were deleted before they could be copied."""
    format: str = BACKUP_FORMAT

    @property
    def database_file(self) -> str:
        return DATABASE_FILES[self.engine]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"


# --- keys ------------------------------------------------------------------------------------


def _read_keys_dir(keys_dir: Path) -> dict[str, bytes]:
    found = {path.name: path.read_bytes() for path in sorted(keys_dir.glob("*")) if path.is_file()}
    if not found:
        raise BackupRefused(f"no server keys in {keys_dir}: nothing to back up")
    return found


def keys_fingerprint(keys: dict[str, bytes]) -> str:
    """SHA-256 over the keys with their names: says which keys a backup needs, and (the keys
    being random 32-byte secrets) gives nothing away about them."""
    digest = hashlib.sha256(KEYS_FORMAT.encode() + b"\n")
    for name in sorted(keys):
        digest.update(name.encode() + b"\0" + len(keys[name]).to_bytes(8, "big") + keys[name])
    return digest.hexdigest()


def write_new_file(path: Path, content: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())


def _write_keys_file(path: Path, keys: dict[str, bytes]) -> None:
    body = {
        "format": KEYS_FORMAT,
        "keys": {name: base64.b64encode(value).decode() for name, value in sorted(keys.items())},
    }
    write_new_file(path, (json.dumps(body, indent=2) + "\n").encode())


def read_keys_file(path: Path) -> dict[str, bytes]:
    try:
        body = json.loads(path.read_bytes())
        if body.get("format") != KEYS_FORMAT:
            raise BackupRefused(f"{path} is not a Homeward keys file ({KEYS_FORMAT})")
        keys = {
            str(name): base64.b64decode(value, validate=True)
            for name, value in body["keys"].items()
        }
    except FileNotFoundError as exc:
        raise BackupRefused(f"keys file {path} not found") from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BackupRefused(f"{path} is not a Homeward keys file (unreadable)") from exc
    if not keys or any(Path(name).name != name or name.startswith(".") for name in keys):
        raise BackupRefused(f"{path} is not a Homeward keys file (bad key names)")
    return keys


# --- files -----------------------------------------------------------------------------------


def copy_hashed(source: Path, target: Path) -> dict[str, Any]:
    """Copy into a new file (0600, fsynced) and return its checksum as the copy read it."""
    digest = hashlib.sha256()
    size = 0
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(source, "rb") as reader, os.fdopen(descriptor, "wb") as writer:
        while chunk := reader.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            writer.write(chunk)
        writer.flush()
        os.fsync(writer.fileno())
    return {"sha256": digest.hexdigest(), "bytes": size}


def hash_file(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as reader:
        while chunk := reader.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return {"sha256": digest.hexdigest(), "bytes": size}


def _is_within(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def _new_folder(path: Path) -> None:
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise BackupRefused(f"{path} exists and is not an empty folder")
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)


# --- backup ----------------------------------------------------------------------------------


def create_backup(
    *, settings: Settings, dest: Path, keys_out: Path, progress: Progress = quiet
) -> Manifest:
    """Copy the database (one snapshot), then the files it names, into `dest`; the server keys
    into `keys_out`. Runs beside a live server. On any failure nothing is left behind."""
    url = settings.effective_database_url
    engine = engines.engine_of(url)
    if keys_out.exists():
        raise BackupRefused(f"{keys_out} exists: the keys file must be a new file")
    if _is_within(keys_out.parent, dest):
        raise BackupRefused("the keys file must not be inside the backup folder: keep them apart")
    keys = _read_keys_dir(settings.keys_dir)
    dest_existed = dest.exists()
    _new_folder(dest)
    try:
        manifest = _copy_into(settings, engine, dest, keys, progress)
        _write_keys_file(keys_out, keys)
        write_new_file(dest / MANIFEST_FILE, manifest.to_json().encode())
    except BaseException:
        _remove_backup(dest, keep_folder=dest_existed)
        raise
    return manifest


def _copy_into(
    settings: Settings, engine: str, dest: Path, keys: dict[str, bytes], progress: Progress
) -> Manifest:
    url = settings.effective_database_url
    database_file = dest / DATABASE_FILES[engine]
    progress("database snapshot", 0, 1)
    if engine == engines.SQLITE:
        snapshot = engines.copy_sqlite(url, database_file)
    else:
        snapshot = engines.dump_postgres(url, database_file)
    progress("database snapshot", 1, 1)
    files = {database_file.name: hash_file(database_file)}
    (dest / BLOBS_FOLDER).mkdir(mode=0o700)
    missing: list[str] = []
    total = len(snapshot.blob_names)
    for done, name in enumerate(snapshot.blob_names, start=1):
        if Path(name).name != name or name.startswith("."):
            raise BackupRefused(f"the database names a file outside the store: {name!r}")
        try:
            files[f"{BLOBS_FOLDER}/{name}"] = copy_hashed(
                settings.blobs_dir / name, dest / BLOBS_FOLDER / name
            )
        except FileNotFoundError:
            missing.append(name)
        progress("encrypted files", done, total)
    progress("encrypted files", total, total)
    engines.fsync_dir(dest / BLOBS_FOLDER)
    return Manifest(
        backup_id=secrets.token_hex(8),
        created_at=utcnow().isoformat(timespec="seconds"),
        engine=engine,
        schema_revision=snapshot.revision,
        counts=snapshot.counts,
        files=files,
        keys_fingerprint=keys_fingerprint(keys),
        blobs_referenced=total,
        blobs_missing=missing,
    )


def _remove_backup(dest: Path, *, keep_folder: bool) -> None:
    if not dest.exists():
        return
    if keep_folder:
        for child in dest.iterdir():
            if child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
    else:
        shutil.rmtree(dest, ignore_errors=True)


# --- reading a backup ----------------------------------------------------------------------


def read_manifest(backup_dir: Path) -> Manifest:
    path = backup_dir / MANIFEST_FILE
    try:
        body = json.loads(path.read_bytes())
    except FileNotFoundError as exc:
        raise BackupRefused(
            f"{backup_dir} is not a complete Homeward backup (no {MANIFEST_FILE})"
        ) from exc
    except ValueError as exc:
        raise BackupRefused(f"{path} is not valid JSON") from exc
    if not isinstance(body, dict) or body.get("format") != BACKUP_FORMAT:
        raise BackupRefused(f"{path} is not a {BACKUP_FORMAT} manifest")
    try:
        manifest = Manifest(**body)
    except TypeError as exc:
        raise BackupRefused(f"{path} is damaged: {exc}") from exc
    if manifest.engine not in DATABASE_FILES or manifest.database_file not in manifest.files:
        raise BackupRefused(f"{path} is damaged: no database file listed")
    for name in manifest.files:
        folder, _, leaf = name.rpartition("/")
        blob = folder == BLOBS_FOLDER and leaf and not leaf.startswith(".")
        if not blob and name != manifest.database_file:
            raise BackupRefused(f"{path} is damaged: it lists {name!r}")
    return manifest
