"""`homeward debrief export|import`: a report exchanged as a signed STIX 2.1 bundle, from a
terminal, as the officer whose session token is in HOMEWARD_API_TOKEN (`homeward passage
sign-in`). One transaction per command, through the same services and policy as the API: a
refusal prints the reason, exits with 2 and stores nothing.

`homeward debrief rotate-compartment-key NATION` is the administrator's, like `homeward desk
rotate-key` (no officer token): a nation's debrief compartment gets a new key for the reports
sealed from then on, audited.

A bundle file is the STIX bundle itself; its signature travels beside it in `<file>.sig`
(JSON: the signing nation and the Ed25519 signature), so any STIX tool reads the bundle.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.accounts.service import Keyring
from homeward.cases import service as case_service
from homeward.core.errors import HomewardError
from homeward.core.runtime import Runtime
from homeward.core.settings import Settings
from homeward.debrief import stix
from homeward.policy import roles
from homeward.web import officer_auth

app = typer.Typer(
    help="Debrief reports as signed STIX 2.1 bundles (sign in first: "
    "export HOMEWARD_API_TOKEN=$(homeward passage sign-in YOUR.USERNAME)), and the "
    "administrator's rotation of a nation's debrief compartment key.",
    no_args_is_help=True,
)
TOKEN_VARIABLE = "HOMEWARD_API_TOKEN"  # noqa: S105 - the variable's name, not a token
ADMIN_ACTOR = "cli:administrator"
"""Who the audit log names for an administrator's command (as cli/main.py's)."""


def _fail(message: str) -> typer.Exit:
    Console(stderr=True).print(f"[red]error:[/red] {message}", soft_wrap=True)
    return typer.Exit(code=2)


@contextmanager
def _as_officer() -> Iterator[tuple[Runtime, Session, Keyring]]:
    """The command's one transaction as the token's officer, rolled back whole on a refusal."""
    token = os.environ.get(TOKEN_VARIABLE, "").strip()
    if not token:
        raise _fail(f"no officer signed in: set {TOKEN_VARIABLE} first")
    try:
        runtime = Runtime.from_settings(Settings())
    except FileNotFoundError as exc:
        raise _fail(str(exc)) from exc
    try:
        with runtime.db.transaction() as session:
            keyring = officer_auth.keyring_for(session, runtime.settings, token)
            yield runtime, session, keyring
    except HomewardError as exc:
        raise _fail(str(exc)) from exc
    finally:
        runtime.close()


def _signature_path(path: Path) -> Path:
    return path.with_name(path.name + ".sig")


@app.command("export")
def export(
    report_id: Annotated[str, typer.Argument(help="The report's id.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the bundle (JSON).")],
) -> None:
    """Write one of your nation's reports as a STIX bundle and its signature beside it."""
    with _as_officer() as (runtime, session, keyring):
        signed = stix.export_report(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            settings=runtime.settings,
            report_id=report_id,
        )
        out.write_text(json.dumps(signed.bundle, indent=2, ensure_ascii=False), encoding="utf-8")
        _signature_path(out).write_text(json.dumps(signed.signature_fields()), encoding="utf-8")
    Console().print(f"exported {report_id} to {out} (signed by {signed.signer})")


@app.command("import")
def import_(
    bundle: Annotated[Path, typer.Argument(help="The bundle file; its .sig file beside it.")],
    case: Annotated[str, typer.Option("--case", help="Your desk's case (reference or id).")],
) -> None:
    """Take a partner's signed bundle as a report owned by the nation that signed it."""
    try:
        content = json.loads(bundle.read_text(encoding="utf-8"))
        signature = json.loads(_signature_path(bundle).read_text(encoding="utf-8"))
        signed = stix.SignedBundle.received(content, signature)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise _fail(f"{bundle}: not a bundle with its signature ({exc})") from exc
    with _as_officer() as (runtime, session, keyring):
        case_id = case
        if "-" in case:
            case_id = case_service.get_case_by_reference(
                session=session,
                principal=keyring.principal,
                reference=case,
                permission=roles.CASE_READ,
            ).id
        report = stix.import_bundle(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            settings=runtime.settings,
            case_id=case_id,
            signed=signed,
        )
        report_id, owner = report.id, report.owner_nation
    Console().print(f"imported report {report_id}, owned by {owner}")


@app.command("rotate-compartment-key")
def rotate_compartment_key(
    nation: Annotated[str, typer.Argument(help="The nation's desk code (FRA).")],
) -> None:
    """Give a nation's debrief compartment a new key, sealed to its current debrief readers,
    for reports sealed from now on (after a reader leaves the compartment); older reports stay
    readable. An administrator's command: no officer token."""
    code = nation.strip().upper()
    try:
        runtime = Runtime.from_settings(Settings())
    except FileNotFoundError as exc:
        raise _fail(str(exc)) from exc
    try:
        with runtime.db.transaction() as session:
            key = accounts_service.rotate_compartment_key(
                session=session, actor=ADMIN_ACTOR, nation=code
            )
            version = key.version
    except HomewardError as exc:
        raise _fail(str(exc)) from exc
    finally:
        runtime.close()
    Console().print(f"{code}'s debrief compartment now seals new reports to key version {version}.")
