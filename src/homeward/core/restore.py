"""Restore a backup made by core/backup.py into an empty data folder and database.

It checks before it changes: the keys must be the backup's (by their fingerprint), the target
must hold nothing, and every file must match its checksum as it is staged beside its target.
Files and keys are then put in place and the database last (a rename on SQLite, one
pg_restore transaction on PostgreSQL); a failure at any step takes back what went before, so
the target is left as it was.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from homeward.core import backup_engines as engines
from homeward.core.backup import (
    BLOBS_FOLDER,
    Manifest,
    Progress,
    copy_hashed,
    hash_file,
    keys_fingerprint,
    quiet,
    read_keys_file,
    read_manifest,
    write_new_file,
)
from homeward.core.backup_engines import BackupRefused
from homeward.core.settings import Settings


@dataclass(frozen=True)
class RestoreReport:
    manifest: Manifest
    blobs_restored: int


def restore_backup(
    *, settings: Settings, backup_dir: Path, keys_file: Path, progress: Progress = quiet
) -> RestoreReport:
    """Restore into the configured data folder and database, which must hold nothing yet.
    Refuses, changing nothing, on keys that are not this backup's, a file whose checksum does
    not match, or a target that already holds data."""
    manifest = read_manifest(backup_dir)
    keys = read_keys_file(keys_file)
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
            got = hash_file(source) if source.exists() else None  # pg_restore reads it in place
        elif name == manifest.database_file:
            got = copy_hashed(source, stage.database) if source.exists() else None
        else:
            target = stage.blobs / name.removeprefix(f"{BLOBS_FOLDER}/")
            got = copy_hashed(source, target) if source.exists() else None
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
            write_new_file(keys_dir / name, value)
            placed.append(keys_dir / name)
    except BaseException:
        for path in placed:
            path.unlink(missing_ok=True)
        raise
    engines.fsync_dir(keys_dir)
    return placed
