"""The demo: default coalition, officers with fresh random passwords, synthetic conversations.

Passwords are generated on the first run and kept in the data directory (mode 0600), never in
the repository; `homeward demo-logins` prints them with the current TOTP codes.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.accounts.service import NewOfficer
from homeward.audit import checkpoints
from homeward.audit import service as audit
from homeward.contact import inbox as inbox_service
from homeward.contact import service as contact_service
from homeward.core.runtime import Runtime
from homeward.policy.labels import Classification
from homeward.policy.roles import Role

CREDENTIALS_FILE = "demo-credentials.json"


@dataclass(frozen=True)
class DemoOfficer:
    username: str
    role: Role
    nation: str


DEMO_OFFICERS = (
    DemoOfficer("fra.officer", Role.DESK_OFFICER, "FRA"),
    DemoOfficer("fra.supervisor", Role.SUPERVISOR, "FRA"),
    DemoOfficer("deu.officer", Role.DESK_OFFICER, "DEU"),
    DemoOfficer("usa.officer", Role.DESK_OFFICER, "USA"),
    DemoOfficer("gbr.officer", Role.DESK_OFFICER, "GBR"),
    DemoOfficer("can.officer", Role.DESK_OFFICER, "CAN"),
    DemoOfficer("irq.coordinator", Role.COORDINATOR, "IRQ"),
    DemoOfficer("admin", Role.ADMINISTRATOR, "IRQ"),
)

# Synthetic letters: invented people and places, written for the demo.
DEMO_LETTERS = (
    (
        "FRA",
        "Bonjour. My son left Lyon two years ago and now wants to come home. He is afraid. "
        "What should he do first?",
    ),
    (
        "DEU",
        "Ich bin Deutscher und möchte aufhören. Ich bin in der Nähe eines Flusses und habe "
        "keinen Pass mehr.",
    ),
    (
        "unknown",
        "I was born in Europe but I do not know which desk is mine. My mother is "
        "Canadian and my father is French.",
    ),
    ("FRA", "C'est la mère d'un jeune homme parti en 2015. Il m'a appelée la semaine dernière."),
)
DEMO_REPLY = (
    "Thank you for writing. Please tell us, when you can, a safe way and time to reach you. "
    "Do not put your codename in any message."
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


def seed(runtime: Runtime) -> bool:
    """Create the demo officers and conversations once; False if already there."""
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
        _letters(session, runtime, credentials)
    with runtime.db.transaction() as session:
        # A signed checkpoint over the set-up, so a newcomer can try `audit verify`,
        # `prove-inclusion` and `check-proof` at once.
        checkpoints.make_checkpoint(
            session=session, secrets=runtime.secrets, origin=runtime.settings.log_origin
        )
    _save_credentials(runtime, credentials)
    return True


def _letters(session: Session, runtime: Runtime, credentials: dict[str, str]) -> None:
    for index, (desk, text) in enumerate(DEMO_LETTERS):
        _codename, contact, keys = contact_service.start(
            session=session, secrets=runtime.secrets, cost=runtime.cost
        )
        contact_service.write(
            session=session,
            secrets=runtime.secrets,
            contact_id=contact.id,
            keys=keys,
            text=text,
            desk_code=desk,
            files=[],
            max_chars=runtime.settings.message_max_chars,
        )
        if index == 0:
            officer = accounts_service.find_officer(session=session, username="fra.officer")
            assert officer is not None  # noqa: S101 - created just above
            keyring = accounts_service.unlock(
                officer=officer, password=credentials["fra.officer"], cost=runtime.cost
            )
            # As at a real sign-in: the desk key reaches the colleagues added after him, so
            # the demo's FRA supervisor can read the desk's letters from the start.
            accounts_service.grant_pending_keys(session=session, keyring=keyring)
            conversation = contact.conversation
            assert conversation is not None  # noqa: S101 - written just above
            inbox_service.reply(
                session=session,
                keyring=keyring,
                conversation_id=conversation.id,
                text=DEMO_REPLY,
            )
