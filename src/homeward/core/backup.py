"""Backup and restore: a consistent copy of the database, the encrypted files and the server
keys, with the keys in a file of their own so that the two can be kept apart.

Why this shape:
- The database is copied first, as one snapshot, and the files it names are copied after. A
  file is written before the row that names it commits, so every file the snapshot names is
  on disk unless it was deleted meanwhile (the manifest lists those); uploads in flight and
  files of deleted letters are left out.
- The keys file (mode 0600) is the only part that opens anything: a backup without it holds
  ciphertext and keyed hashes only. The manifest keeps a fingerprint of the keys, so a restore
  can tell whether a keys file belongs to the backup.
- A restore checks before it changes: the keys, the target (it must be empty) and every
  file's checksum, as the files are staged. The database goes in last (a rename, or one
  pg_restore transaction), so a failure at any point leaves the target as it was.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
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

__all__ = ["BackupRefused", "Manifest", "create_backup", "read_manifest", "restore_backup"]

Progress = Callable[[str, int, int | None], None]
"""(step, done, total): long steps report as they go; the CLI draws them with Rich."""


def _quiet(_step: str, _done: int, _total: int | None) -> None:
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


def _write_new_file(path: Path, content: bytes) -> None:
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
    _write_new_file(path, (json.dumps(body, indent=2) + "\n").encode())


def _read_keys_file(path: Path) -> dict[str, bytes]:
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


def _copy_hashed(source: Path, target: Path) -> dict[str, Any]:
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


def _hash_file(path: Path) -> dict[str, Any]:
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
    *, settings: Settings, dest: Path, keys_out: Path, progress: Progress = _quiet
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
        _write_new_file(dest / MANIFEST_FILE, manifest.to_json().encode())
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
    files = {database_file.name: _hash_file(database_file)}
    (dest / BLOBS_FOLDER).mkdir(mode=0o700)
    missing: list[str] = []
    total = len(snapshot.blob_names)
    for done, name in enumerate(snapshot.blob_names, start=1):
        if Path(name).name != name or name.startswith("."):
            raise BackupRefused(f"the database names a file outside the store: {name!r}")
        try:
            files[f"{BLOBS_FOLDER}/{name}"] = _copy_hashed(
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


# --- restore ---------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class RestoreReport:
    manifest: Manifest
    blobs_restored: int


def restore_backup(
    *, settings: Settings, backup_dir: Path, keys_file: Path, progress: Progress = _quiet
) -> RestoreReport:
    """Restore into the configured data folder and database, which must hold nothing yet.
    Refuses, changing nothing, on keys that are not this backup's, a file whose checksum does
    not match, or a target that already holds data."""
    manifest = read_manifest(backup_dir)
    keys = _read_keys_file(keys_file)
    if keys_fingerprint(keys) != manifest.keys_fingerprint:
        raise BackupRefused(f"the keys file {keys_file} does not belong to this backup")
    url = settings.effective_database_url
    engine = engines.engine_of(url)
    if engine != manifest.engine:
        raise BackupRefused(
            f"the backup is of a {manifest.engine} database, the configured one is {engine}"
        )
    _refuse_unless_empty(settings, engine, url)
    folders = [settings.data_dir, settings.keys_dir, settings.blobs_dir]
    made = [folder for folder in folders if not folder.exists()]
    try:
        with _staging(settings, engine, url) as stage:
            _stage_files(backup_dir, manifest, stage, progress)
            progress("restoring", 0, 1)
            _place(stage, manifest, keys, settings=settings, backup_dir=backup_dir)
            progress("restoring", 1, 1)
    except BaseException:
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only if still empty
        raise
    return RestoreReport(manifest=manifest, blobs_restored=len(manifest.files) - 1)


def _place(
    stage: _Stage,
    manifest: Manifest,
    keys: dict[str, bytes],
    *,
    settings: Settings,
    backup_dir: Path,
) -> None:
    """Files and keys first, the database last; if the database fails, the rest is taken back."""
    url = settings.effective_database_url
    placed: list[Path] = []
    try:
        placed.extend(_place_blobs(stage.blobs, settings.blobs_dir))
        placed.extend(_place_keys(keys, settings.keys_dir))
        if manifest.engine == engines.SQLITE:
            engines.place_sqlite(stage.database, url)
        else:
            engines.restore_postgres(backup_dir / manifest.database_file, url)
    except BaseException:
        for path in placed:
            path.unlink(missing_ok=True)
        raise


def _refuse_unless_empty(settings: Settings, engine: str, url: str) -> None:
    for folder in (settings.keys_dir, settings.blobs_dir):
        if folder.exists() and any(folder.iterdir()):
            raise BackupRefused(f"{folder} is not empty: restore only into an empty data folder")
    if engine == engines.SQLITE:
        reason = engines.sqlite_holds_data(url)
    else:
        engines.check_restore_tools()
        reason = engines.postgres_holds_data(url)
    if reason is not None:
        raise BackupRefused(f"{reason}: restore only into an empty database")


@dataclass(frozen=True)
class _Stage:
    folder: Path
    blobs: Path
    database: Path


@contextlib.contextmanager
def _staging(settings: Settings, engine: str, url: str) -> Iterator[_Stage]:
    """A hidden folder in the data folder (and, for SQLite, a file beside the database), on the
    same file systems as their targets so that placing them is a rename; gone afterwards."""
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    token = secrets.token_hex(4)
    folder = settings.data_dir / f".restore-{token}"
    folder.mkdir(mode=0o700)
    database = folder / "unused"
    if engine == engines.SQLITE:
        target = engines.sqlite_path(url)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        database = target.with_name(f".{target.name}.restore-{token}")
    try:
        yield _Stage(folder=folder, blobs=folder / BLOBS_FOLDER, database=database)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        database.unlink(missing_ok=True)


def _stage_files(backup_dir: Path, manifest: Manifest, stage: _Stage, progress: Progress) -> None:
    """Copy every file into the stage, checking its checksum as it is read."""
    stage.blobs.mkdir(mode=0o700)
    names = sorted(manifest.files)
    for done, name in enumerate(names, start=1):
        source = backup_dir / name
        if name == manifest.database_file and manifest.engine == engines.POSTGRESQL:
            got = _hash_file(source) if source.exists() else None  # pg_restore reads it in place
        elif name == manifest.database_file:
            got = _copy_hashed(source, stage.database) if source.exists() else None
        else:
            target = stage.blobs / name.removeprefix(f"{BLOBS_FOLDER}/")
            got = _copy_hashed(source, target) if source.exists() else None
        if got is None:
            raise BackupRefused(f"{name} is missing from the backup")
        if got != manifest.files[name]:
            raise BackupRefused(f"{name} does not match its checksum in the manifest")
        progress("checking and staging files", done, len(names))


def _place_blobs(staged: Path, blobs_dir: Path) -> list[Path]:
    blobs_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    placed: list[Path] = []
    try:
        for path in sorted(staged.iterdir()):
            target = blobs_dir / path.name
            path.replace(target)
            placed.append(target)
    except BaseException:
        for path in placed:
            path.unlink(missing_ok=True)
        raise
    engines.fsync_dir(blobs_dir)
    return placed


def _place_keys(keys: dict[str, bytes], keys_dir: Path) -> list[Path]:
    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    placed: list[Path] = []
    try:
        for name, value in sorted(keys.items()):
            _write_new_file(keys_dir / name, value)
            placed.append(keys_dir / name)
    except BaseException:
        for path in placed:
            path.unlink(missing_ok=True)
        raise
    engines.fsync_dir(keys_dir)
    return placed
