"""`homeward` command line: init, serve, demo, officers, desk keys, maintenance."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console

from homeward import (
    approvals,  # noqa: F401  (approvals follow their case: followers.py)
    households,  # noqa: F401  (household links and best interests follow their case)
    screening,  # noqa: F401  (its assessments follow their case: followers.py)
)
from homeward.accounts import service as accounts_service
from homeward.accounts import sessions, signin
from homeward.accounts.service import NewOfficer
from homeward.audit import service as audit
from homeward.cli import audit as audit_cli
from homeward.cli import backup as backup_cli
from homeward.cli import debrief as debrief_cli
from homeward.cli import figures as figures_cli
from homeward.cli import identity as identity_cli
from homeward.cli import passage as passage_cli
from homeward.contact import service as contact_service
from homeward.core.errors import HomewardError
from homeward.core.runtime import Runtime
from homeward.core.settings import Settings
from homeward.debrief import handling as debrief_handling
from homeward.policy.labels import Classification
from homeward.policy.roles import Role

# Tracebacks never show local variables: they could hold passwords or keys.
app = typer.Typer(
    help="Homeward: the case system of the safe-return programme.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
officer_app = typer.Typer(help="Manage officers.", no_args_is_help=True)
desk_app = typer.Typer(help="Manage desks and their keys.", no_args_is_help=True)
app.add_typer(officer_app, name="officer")
app.add_typer(audit_cli.app, name="audit")
app.add_typer(desk_app, name="desk")
app.add_typer(identity_cli.app, name="identity")
app.add_typer(passage_cli.app, name="passage")
app.add_typer(debrief_cli.app, name="debrief")
app.add_typer(backup_cli.app)  # `homeward backup` and `homeward restore`, at the top level
app.command("figures")(figures_cli.figures)
app.command("figures-backfill")(figures_cli.backfill)
console = Console()
ADMIN_ACTOR = "cli:administrator"

Host = Annotated[str, typer.Option(help="Address to listen on.")]
Port = Annotated[int, typer.Option(help="Port to listen on.")]


def _runtime(*, create_keys: bool = False) -> Runtime:
    return Runtime.from_settings(Settings(), create_keys=create_keys)


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(code=2)


def initialise() -> Runtime:
    """Create the data directory, server keys, schema (Alembic) and the default desks."""
    from homeward import migrations

    runtime = _runtime(create_keys=True)
    migrations.upgrade(runtime.settings.effective_database_url)
    with runtime.db.transaction() as session:
        accounts_service.ensure_default_desks(session=session)
    return runtime


@app.command()
def init() -> None:
    """Create the data directory, the server keys, the database schema and the desks."""
    runtime = initialise()
    console.print(f"Initialised Homeward in [bold]{runtime.settings.data_dir}[/bold].")
    runtime.close()


def _serve(runtime: Runtime, host: str, port: int) -> None:
    import uvicorn

    from homeward.web.app import create_app

    # No access log and no proxy headers: nothing about a contact's connection is recorded.
    uvicorn.run(
        create_app(runtime),
        host=host,
        port=port,
        access_log=False,
        proxy_headers=False,
        server_header=False,
        log_level="warning",
    )


def remove_orphan_blobs(runtime: Runtime) -> int:
    """Files an upload cut off by a crash left with no row, an hour or more old: run at every
    start, since such a crash is what leaves them."""
    with runtime.db.transaction() as session:
        return contact_service.purge_orphan_blobs(
            session=session, blobs_dir=runtime.settings.blobs_dir
        )


@app.command()
def serve(host: Host = "127.0.0.1", port: Port = 8000) -> None:
    """Serve the contact pages, the officer pages and the API."""
    try:
        runtime = _runtime()
    except FileNotFoundError as exc:
        raise _fail(str(exc)) from exc
    orphans = remove_orphan_blobs(runtime)
    if orphans:
        console.print(f"Removed {orphans} encrypted files left without a message by a crash.")
    console.print(f"Homeward on http://{host}:{port}  (officers: http://{host}:{port}/officer/)")
    _serve(runtime, host, port)


DemoCases = Annotated[
    int,
    typer.Option(
        "--cases",
        min=0,
        max=100_000,
        help="Also add a demo programme of this many synthetic cases with a year of history "
        "(for the programme figures), on the first run only.",
    ),
]


@app.command()
def demo(host: Host = "127.0.0.1", port: Port = 8000, cases: DemoCases = 0) -> None:
    """Initialise, add demo officers and synthetic conversations, print logins, serve."""
    from homeward.cli import demo as demo_data

    runtime = initialise()
    remove_orphan_blobs(runtime)
    if demo_data.seed(runtime, cases=cases):
        console.print("Demo officers, letters, cases and a registry created.")
        if cases:
            console.print(f"A demo programme of {cases} synthetic cases added.")
    elif cases:
        console.print("The demo was set up before: --cases adds a programme on a first run only.")
    console.print(
        f"\nContacts: http://{host}:{port}/   Officers: http://{host}:{port}/officer/\n"
        "First ten minutes: README.md, section 'First ten minutes'.\n"
    )
    _print_logins(runtime)
    _serve(runtime, host, port)


def _print_logins(runtime: Runtime) -> None:
    from homeward.cli import demo as demo_data

    credentials = demo_data.load_credentials(runtime)
    if not credentials:
        raise _fail("no demo officers here: run `homeward demo` first")
    console.print(demo_data.logins_table(runtime, credentials))
    console.print(demo_data.CODES_NOTE)


@app.command("demo-logins")
def demo_logins() -> None:
    """Print the demo officers' logins with their current TOTP codes."""
    runtime = _runtime()
    try:
        _print_logins(runtime)
    finally:
        runtime.close()


@officer_app.command("add")
def officer_add(
    username: str,
    nation: Annotated[str, typer.Option(help="Desk code: USA, FRA, GBR, CAN, DEU or IRQ.")],
    role: Annotated[Role, typer.Option(help="The officer's role.")] = Role.DESK_OFFICER,
    clearance: Annotated[
        Classification, typer.Option(help="Highest classification the officer may read.")
    ] = Classification.RESTRICTED,
) -> None:
    """Add an officer; asks for the password and prints the TOTP provisioning URI once."""
    password: str = typer.prompt(
        "Password (12 characters or more)", hide_input=True, confirmation_prompt=True
    )
    runtime = _runtime()
    try:
        with runtime.db.transaction() as session:
            officer, uri = accounts_service.add_officer(
                session=session,
                secrets=runtime.secrets,
                cost=runtime.cost,
                actor=ADMIN_ACTOR,
                data=NewOfficer(username, password, role, nation.upper(), int(clearance)),
            )
            name = officer.username
    except HomewardError as exc:
        raise _fail(str(exc)) from exc
    finally:
        runtime.close()
    console.print(f"Officer [bold]{name}[/bold] added. Add this to an authenticator app:")
    console.print(uri, soft_wrap=True)


@officer_app.command("unlock")
def officer_unlock(username: str) -> None:
    """End a username's wait or lock after failed sign-ins now (it also ends by itself)."""
    runtime = _runtime()
    try:
        with runtime.db.transaction() as session:
            held = signin.lift_lock(
                session=session, secrets=runtime.secrets, actor=ADMIN_ACTOR, username=username
            )
    finally:
        runtime.close()
    if held:
        console.print("Failed sign-ins forgotten: the username may sign in again now.")
    else:
        console.print("No failed sign-ins were counted for this username.")


@officer_app.command("caveats")
def officer_caveats(
    username: str,
    caveats: Annotated[
        list[str] | None, typer.Argument(help="Every caveat held from now on; none clears them.")
    ] = None,
) -> None:
    """Set the handling caveats an officer holds (the programme's words in
    debrief/handling.json); a debrief carrying one the officer does not hold stays hidden."""
    runtime = _runtime()
    try:
        words = debrief_handling.load(runtime.settings.data_dir)
        given = sorted({caveat.strip().upper() for caveat in caveats or [] if caveat.strip()})
        unknown = [caveat for caveat in given if caveat not in words.caveats]
        if unknown:
            raise _fail(f"not a caveat of the programme: {', '.join(unknown)}")
        with runtime.db.transaction() as session:
            officer = accounts_service.find_officer(session=session, username=username)
            if officer is None:
                raise _fail(f"no officer named {username}")
            accounts_service.set_caveats(
                session=session, actor=ADMIN_ACTOR, officer_id=officer.id, caveats=given
            )
    except HomewardError as exc:
        raise _fail(str(exc)) from exc
    finally:
        runtime.close()
    console.print(f"{username} holds: {', '.join(given) or 'no caveat'}")


@desk_app.command("rotate-key")
def desk_rotate_key(desk: str) -> None:
    """Give a desk a new key for new content; old messages stay readable."""
    runtime = _runtime()
    try:
        with runtime.db.transaction() as session:
            key = accounts_service.rotate_desk_key(
                session=session, actor=ADMIN_ACTOR, desk_code=desk.upper()
            )
            version = key.version
    except HomewardError as exc:
        raise _fail(str(exc)) from exc
    finally:
        runtime.close()
    console.print(f"Desk {desk.upper()} now seals new content to key version {version}.")


@app.command()
def purge(
    compact: Annotated[
        bool,
        typer.Option(
            help="Then rewrite the contact tables (PostgreSQL: VACUUM FULL, which locks each "
            "table while it copies it) so deleted contacts leave no bytes in them."
        ),
    ] = False,
) -> None:
    """Remove expired sessions, codenames that were never used to write and encrypted files
    that no message names (an hour old or more); then fold SQLite's log so nothing removed
    stays in it."""
    runtime = _runtime()
    with runtime.db.transaction() as session:
        ended = sessions.purge_expired(session=session)
        unused = contact_service.purge_unused(
            session=session, older_than=timedelta(hours=runtime.settings.unused_contact_hours)
        )
        orphans = contact_service.purge_orphan_blobs(
            session=session, blobs_dir=runtime.settings.blobs_dir
        )
        audit.record(
            session=session,
            actor=ADMIN_ACTOR,
            action="system:maintenance:purge",
            resource_type="system",
            resource_id="purge",
        )
    folded = runtime.db.fold_log()
    if compact:
        runtime.db.compact(contact_service.STORED_TABLES)
    runtime.close()
    console.print(
        f"Removed {ended} expired sessions, {unused} unused codenames and {orphans} encrypted "
        "files without a message."
    )
    if not folded:
        console.print("[yellow]The SQLite log is held by a reader: run purge again later.[/]")


if __name__ == "__main__":
    app()
