"""`homeward backup` and `homeward restore`: thin adapters over core/backup.py and
core/restore.py with Rich progress; each leaves an audit entry (the backup's after its
snapshot, the restore's in the restored log)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from alembic.script import ScriptDirectory
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from homeward import migrations
from homeward.audit import service as audit
from homeward.core import backup, restore
from homeward.core.backup import BackupRefused, Manifest
from homeward.core.runtime import Runtime
from homeward.core.settings import Settings

app = typer.Typer()
console = Console(soft_wrap=True)  # paths in messages stay whole, to copy and paste
ADMIN_ACTOR = "cli:administrator"


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(code=2)


@contextmanager
def _progress() -> Iterator[backup.Progress]:
    columns = (BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*Progress.get_default_columns()[:1], *columns, console=console) as bar:
        tasks: dict[str, object] = {}

        def report(step: str, done: int, total: int | None) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total)
            bar.update(tasks[step], completed=done, total=total)  # type: ignore[arg-type]

        yield report


def _record(settings: Settings, action: str, backup_id: str) -> None:
    runtime = Runtime.from_settings(settings)
    try:
        with runtime.db.transaction() as session:
            audit.record(
                session=session,
                actor=ADMIN_ACTOR,
                action=action,
                resource_type="backup",
                resource_id=backup_id,
            )
    finally:
        runtime.close()


def _counts(manifest: Manifest) -> str:
    shown = ("message", "attachment", "case", "audit_event")
    return ", ".join(
        f"{name}: {manifest.counts[name]}" for name in shown if name in manifest.counts
    )


@app.command("backup")
def backup_command(
    dest: Annotated[Path, typer.Argument(help="A new (or empty) folder for the backup.")],
    keys_out: Annotated[
        Path,
        typer.Option(help="A new file for the server keys (0600); keep it apart from DEST."),
    ],
) -> None:
    """Copy the database (one consistent snapshot), the encrypted files it names and, into a
    separate file, the server keys. Safe while the server runs."""
    settings = Settings()
    try:
        with _progress() as progress:
            manifest = backup.create_backup(
                settings=settings, dest=dest, keys_out=keys_out, progress=progress
            )
    except (BackupRefused, OSError) as exc:
        raise _fail(str(exc)) from exc
    _record(settings, "system:maintenance:backup", manifest.backup_id)
    console.print(
        f"Backup {manifest.backup_id} of the {manifest.engine} database written to {dest} "
        f"({_counts(manifest)}; {len(manifest.files) - 1} files). Keys in {keys_out}: "
        "store them apart from the backup."
    )
    if manifest.blobs_missing:
        console.print(
            f"[yellow]note:[/yellow] {len(manifest.blobs_missing)} of the files the snapshot "
            "names were deleted before their copy (blobs_missing in the manifest)."
        )


def _check_revision(manifest: Manifest, settings: Settings) -> bool:
    """Refuse a backup from a newer Homeward; say whether the schema needs an upgrade."""
    scripts = ScriptDirectory.from_config(
        migrations.alembic_config(settings.effective_database_url)
    )
    known = {script.revision for script in scripts.walk_revisions()}
    if manifest.schema_revision not in known:
        raise BackupRefused(
            f"the backup's schema revision {manifest.schema_revision} is unknown to this "
            "Homeward (made by a newer version?)"
        )
    return manifest.schema_revision != scripts.get_current_head()


@app.command("restore")
def restore_command(
    backup_dir: Annotated[Path, typer.Argument(help="The folder `homeward backup` wrote.")],
    keys: Annotated[Path, typer.Option(help="The keys file written with that backup.")],
) -> None:
    """Restore a backup into the configured data folder and database, which must be empty
    (on PostgreSQL, an empty database you created). Nothing is changed if any check fails."""
    settings = Settings()
    try:
        older = _check_revision(backup.read_manifest(backup_dir), settings)
        with _progress() as progress:
            report = restore.restore_backup(
                settings=settings, backup_dir=backup_dir, keys_file=keys, progress=progress
            )
    except (BackupRefused, OSError) as exc:
        raise _fail(str(exc)) from exc
    if older:
        migrations.upgrade(settings.effective_database_url)
    manifest = report.manifest
    _record(settings, "system:maintenance:restore", manifest.backup_id)
    console.print(
        f"Restored backup {manifest.backup_id} ({_counts(manifest)}; "
        f"{report.blobs_restored} files) into {settings.data_dir}."
    )
    if manifest.blobs_missing:
        console.print(
            f"[yellow]note:[/yellow] {len(manifest.blobs_missing)} files named by the database "
            "were deleted before the backup could copy them."
        )
