"""`homeward audit …`: verify the log, sign checkpoints, print and check proofs, witness.

Keys, checkpoints and proofs are printed as plain text (never wrapped), for files and pipes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from homeward.audit import checkpoints, notes, proofs, verify
from homeward.audit import witness as witness_round
from homeward.core.errors import HomewardError
from homeward.core.runtime import Runtime
from homeward.core.settings import Settings
from homeward.crypto import sealing

app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
console = Console()
ADMIN_ACTOR = "cli:administrator"


@contextmanager
def _runtime() -> Iterator[Runtime]:
    """The runtime of one command, closed (no connection left open) when it ends."""
    runtime = Runtime.from_settings(Settings())
    try:
        yield runtime
    finally:
        runtime.close()


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(code=1)


@app.command("log-key")
def log_key() -> None:
    """Print the log's public key (a C2SP vkey) for auditors and witnesses to hold."""
    with _runtime() as runtime:
        typer.echo(checkpoints.log_key(runtime.secrets, runtime.settings.log_origin).encode())


@app.command()
def checkpoint() -> None:
    """Sign a checkpoint of the log as it is now, and print it."""
    with _runtime() as runtime:
        with runtime.db.transaction() as session:
            made = checkpoints.make_checkpoint(
                session=session, secrets=runtime.secrets, origin=runtime.settings.log_origin
            )
            note = made.note
        typer.echo(note, nl=False)


@app.command("export-checkpoints")
def export_checkpoints(folder: Path) -> None:
    """Write every signed checkpoint, with its cosignatures, as a file into FOLDER."""
    folder.mkdir(parents=True, exist_ok=True)
    with _runtime() as runtime, runtime.db.transaction() as session:
        written = 0
        for made in checkpoints.all_checkpoints(session=session):
            note = checkpoints.full_note(session=session, checkpoint=made)
            (folder / f"checkpoint-{made.size:012d}-{made.id}.txt").write_text(note, "utf-8")
            written += 1
    console.print(f"{written} checkpoints written to {folder}")


@app.command("verify")
def verify_command(
    key: Annotated[
        str | None, typer.Option(help="The log's vkey; by default this server's own.")
    ] = None,
) -> None:
    """Recompute the whole tree from the stored entries and check every checkpoint."""
    with _runtime() as runtime:
        verifier = (
            notes.parse_vkey(key)
            if key
            else checkpoints.log_key(runtime.secrets, runtime.settings.log_origin)
        )
        columns = (BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*Progress.get_default_columns()[:1], *columns, console=console) as bar:
            task = bar.add_task("verifying", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            with runtime.db.transaction() as session:
                report = verify.verify_log(session=session, key=verifier, progress=progress)
        if report.ok:
            console.print(
                f"[green]ok[/green]: {report.size} entries, {report.nodes_checked} tree nodes, "
                f"{report.checkpoints_checked} checkpoints verified"
            )
            return
        for problem in report.problems:
            console.print(f"[red]✗[/red] {problem}")
        first = report.first_bad_entry
        if report.first_bad_node is not None and first is None:
            level, position = report.first_bad_node
            raise _fail(
                f"the log's stored tree does not verify; first bad node: {level}/{position}"
            )
        raise _fail(
            f"the log does not verify; first bad entry: {first if first is not None else '?'}"
        )


@app.command("prove-inclusion")
def prove_inclusion(entry: int) -> None:
    """Print entry ENTRY's inclusion proof against the latest checkpoint (C2SP tlog-proof)."""
    with _runtime() as runtime:
        try:
            with runtime.db.transaction() as session:
                latest = checkpoints.latest_checkpoint(session=session)
                if latest is None or latest.size <= entry:
                    latest = checkpoints.make_checkpoint(
                        session=session, secrets=runtime.secrets, origin=runtime.settings.log_origin
                    )
                text = checkpoints.inclusion_proof(
                    session=session, leaf_index=entry, checkpoint=latest
                )
        except HomewardError as exc:
            raise _fail(str(exc)) from exc
        typer.echo(text, nl=False)


@app.command("prove-consistency")
def prove_consistency(old: int, new: int) -> None:
    """Print a proof that the checkpoint of size NEW extends the one of size OLD."""
    with _runtime() as runtime:
        try:
            with runtime.db.transaction() as session:
                text = checkpoints.consistency_proof(session=session, old_size=old, new_size=new)
        except HomewardError as exc:
            raise _fail(str(exc)) from exc
        typer.echo(text, nl=False)


@app.command("check-proof")
def check_proof(
    file: Path,
    key: Annotated[str, typer.Option(help="The log's public key (vkey), as `log-key` prints.")],
) -> None:
    """Verify a proof file offline, against the checkpoint it carries and the log's key."""
    try:
        text = file.read_text("utf-8")
        verifier = notes.parse_vkey(key)
        if text.startswith(proofs.INCLUSION_HEADER):
            checked = proofs.check_inclusion(text, verifier)
            console.print(
                f"[green]ok[/green]: entry {checked.index} is in the log of size {checked.size}"
            )
            typer.echo(checked.entry, nl=False)
        else:
            consistent = proofs.check_consistency(text, verifier)
            console.print(
                f"[green]ok[/green]: the log of size {consistent.new_size} extends the one of "
                f"size {consistent.old_size}"
            )
    except (OSError, UnicodeDecodeError, notes.NoteError) as exc:
        raise _fail(str(exc)) from exc


@app.command("witness-keygen")
def witness_keygen(
    name: str,
    key_file: Annotated[Path, typer.Option(help="Where to write the new private key.")],
) -> None:
    """Make a witness's cosigning key; prints the vkey for the administrator to register."""
    if key_file.exists():
        raise _fail(f"{key_file} exists already")
    seed = sealing.random_bytes()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(seed)
    try:
        typer.echo(notes.signer_key(name, seed, notes.COSIGNATURE_V1).encode())
    except notes.NoteError as exc:
        key_file.unlink()
        raise _fail(str(exc)) from exc


@app.command("add-witness")
def add_witness(
    vkey: str,
    nation: Annotated[str, typer.Option(help="The nation whose auditors run this witness.")],
) -> None:
    """Register a nation's witness key, so that its cosignatures are accepted."""
    with _runtime() as runtime:
        try:
            with runtime.db.transaction() as session:
                added = checkpoints.add_witness(
                    session=session, actor=ADMIN_ACTOR, vkey=vkey, nation=nation
                )
                name = added.name
        except HomewardError as exc:
            raise _fail(str(exc)) from exc
        console.print(f"Witness {name} registered for {nation.upper()}.")


@app.command("witness")
def witness(
    name: Annotated[str, typer.Option(help="The witness's name, as registered.")],
    key_file: Annotated[Path, typer.Option(help="The witness's private key file.")],
    log_key: Annotated[str, typer.Option(help="The log's public key (vkey) to trust.")],
    state: Annotated[Path, typer.Option(help="Where the last cosigned checkpoint is kept.")],
    server: Annotated[str, typer.Option(help="Homeward's address.")] = "http://127.0.0.1:8000",
) -> None:
    """Fetch the newest checkpoint, check it extends the last one seen, cosign or refuse.
    The auditor's API token is read from HOMEWARD_API_TOKEN."""
    token = os.environ.get("HOMEWARD_API_TOKEN", "")
    if not token:
        raise _fail("set HOMEWARD_API_TOKEN to an auditor's token (POST /api/v1/auth/token)")
    try:
        verifier = notes.parse_vkey(log_key)
        seed = key_file.read_bytes()
    except (OSError, notes.NoteError) as exc:
        raise _fail(str(exc)) from exc
    with httpx.Client(base_url=server, headers={"authorization": f"Bearer {token}"}) as client:
        try:
            verdict = witness_round.run(
                client=client, name=name, seed=seed, log_key=verifier, state_path=state
            )
        except httpx.HTTPError as exc:
            raise _fail(f"the server did not answer as expected: {exc}") from exc
    if verdict.cosigned:
        console.print(f"[green]cosigned[/green] the checkpoint of size {verdict.size}")
        return
    raise _fail(f"refused the checkpoint of size {verdict.size}: {verdict.reason}")
