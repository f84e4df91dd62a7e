"""The demo: default coalition, every role on every desk with fresh random passwords, and a
synthetic world (letters, cases, a registry: demo_world.py) so each officer page shows work.

Passwords are generated on the first run and kept in the data directory (mode 0600), never in
the repository; `homeward demo-logins` prints them with the current TOTP codes.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from rich import box
from rich.table import Table

from homeward.accounts import service as accounts_service
from homeward.accounts.service import NewOfficer
from homeward.audit import checkpoints
from homeward.audit import service as audit
from homeward.cli import demo_programme, demo_world
from homeward.core.runtime import Runtime
from homeward.policy.labels import Classification
from homeward.policy.roles import Role

CREDENTIALS_FILE = "demo-credentials.json"
DESKS = ("FRA", "DEU", "GBR", "USA", "CAN")
"""The national desks; IRQ is the coordination cell."""
CODES_NOTE = (
    "Each officer's authenticator (TOTP) secret was made at set-up and is kept sealed in the "
    "database; 'code now' is computed from it. Each code works once: signing in again as the "
    "same officer needs the next code (up to 30 seconds). Fresh codes: "
    "`.venv/bin/homeward demo-logins`."
)


@dataclass(frozen=True)
class DemoOfficer:
    username: str
    role: Role
    nation: str
    purpose: str


def _desk(nation: str) -> tuple[DemoOfficer, ...]:
    lower = nation.lower()
    first = nation == "FRA"
    return (
        DemoOfficer(
            f"{lower}.officer",
            Role.DESK_OFFICER,
            nation,
            "read and answer FRA letters, open and move cases, import the registry"
            if first
            else f"letters and cases of the {nation} desk",
        ),
        DemoOfficer(
            f"{lower}.supervisor",
            Role.SUPERVISOR,
            nation,
            "approve and clear FRA cases: the one who can clear"
            if first
            else f"approve and clear {nation} cases",
        ),
        DemoOfficer(
            f"{lower}.auditor",
            Role.AUDITOR,
            nation,
            f"{nation}'s audit log and refused sign-ins (reads no content)",
        ),
    )


DEMO_OFFICERS: tuple[DemoOfficer, ...] = (
    *(officer for nation in DESKS for officer in _desk(nation)),
    DemoOfficer(
        "irq.coordinator",
        Role.COORDINATOR,
        "IRQ",
        "route letters sent to no desk; read cases released to IRQ",
    ),
    DemoOfficer("irq.auditor", Role.AUDITOR, "IRQ", "the coordination cell's audit log"),
    DemoOfficer("admin", Role.ADMINISTRATOR, "IRQ", "accounts and desk keys (reads no content)"),
)


def credentials_path(runtime: Runtime) -> Path:
    return runtime.settings.data_dir / CREDENTIALS_FILE


def load_credentials(runtime: Runtime) -> dict[str, str]:
    path = credentials_path(runtime)
    if not path.exists():
        return {}
    data: dict[str, str] = json.loads(path.read_text("utf-8"))
    return data


def _save_credentials(runtime: Runtime, credentials: dict[str, str]) -> None:
    path = credentials_path(runtime)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(credentials, handle, indent=2)


def seed(runtime: Runtime, cases: int = 0) -> bool:
    """Create the demo officers and their world once; False if already there. `cases` adds a
    demo programme of that many synthetic cases with a year of history (demo_programme.py),
    so the programme figures have something to count."""
    if load_credentials(runtime):
        return False
    credentials: dict[str, str] = {}
    with runtime.db.transaction() as session:
        accounts_service.ensure_default_desks(session=session)
        for demo in DEMO_OFFICERS:
            password = secrets.token_urlsafe(12)  # 96 bits, short enough to show unwrapped
            accounts_service.add_officer(
                session=session,
                secrets=runtime.secrets,
                cost=runtime.cost,
                actor=audit.SYSTEM,
                data=NewOfficer(
                    demo.username, password, demo.role, demo.nation, int(Classification.SECRET)
                ),
            )
            credentials[demo.username] = password
        demo_world.build(session, runtime, credentials)
        if cases:
            keyrings = demo_world.Keyrings(session, runtime, credentials)
            demo_programme.build(session, runtime, keyrings, cases)
    with runtime.db.transaction() as session:
        # A signed checkpoint over the set-up, so a newcomer can try `audit verify`,
        # `prove-inclusion` and `check-proof` at once.
        checkpoints.make_checkpoint(
            session=session, secrets=runtime.secrets, origin=runtime.settings.log_origin
        )
    _save_credentials(runtime, credentials)
    return True


def logins_table(runtime: Runtime, credentials: dict[str, str]) -> Table:
    """Who to sign in as for what, with the password and the code that works now."""
    purposes = {demo.username: demo.purpose for demo in DEMO_OFFICERS}
    table = Table(title="Demo officers (passwords made for this install only)", box=box.SIMPLE)
    table.add_column("username", no_wrap=True)
    table.add_column("role")
    table.add_column("nation", no_wrap=True)
    table.add_column("use it to", ratio=1)
    table.add_column("password", no_wrap=True)  # never folded: it is copied whole
    table.add_column("code now", no_wrap=True)
    with runtime.db.transaction() as session:
        for username, password in credentials.items():
            officer = accounts_service.find_officer(session=session, username=username)
            if officer is None:
                continue
            code = accounts_service.totp_now(secrets=runtime.secrets, officer=officer)
            role = officer.role.replace("_", " ")
            table.add_row(
                username, role, officer.nation, purposes.get(username, ""), password, code
            )
    return table
