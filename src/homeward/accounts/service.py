"""Desks, desk keys and officers: the only code that changes them.

Keys: each officer has an X25519 pair whose private half is wrapped with Argon2id(password).
Each desk key version's private half is sealed to every officer of the desk. An officer added
to a desk that already has keys receives them the next time a colleague who holds them signs in
(`grant_pending_keys`): nobody else, the administrator included, ever holds a desk key.

Each nation also has a debrief compartment key, versioned the same way, whose private half is
sealed only to its officers whose role reads debriefs (`roles.DEBRIEF_READ`): debrief bodies
are sealed to it, so a desk key alone (a coordinator's, say) opens none. It is made when the
nation's first debrief reader is added (or when a report is first sealed to a nation that has
readers but no key yet, which needs only their public keys); a reader added later receives it
at a colleague reader's sign-in, like desk keys.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pyotp
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from homeward.accounts.exceptions import InvalidOfficer, UnknownDesk
from homeward.accounts.models import (
    CompartmentKey,
    Desk,
    DeskKey,
    Officer,
    OfficerCompartmentKey,
    OfficerDeskKey,
)
from homeward.audit import service as audit
from homeward.crypto import sealing
from homeward.crypto.keys import ServerSecrets
from homeward.policy.check import Principal
from homeward.policy.labels import decode_release, encode_release
from homeward.policy.roles import DEBRIEF_READ, Role, may

DEFAULT_DESKS: tuple[tuple[str, str, bool], ...] = (
    ("USA", "United States desk", False),
    ("FRA", "France desk", False),
    ("GBR", "United Kingdom desk", False),
    ("CAN", "Canada desk", False),
    ("DEU", "Germany desk", False),
    ("IRQ", "Coordination cell", True),
)
USERNAME = re.compile(r"^[a-z][a-z0-9._-]{2,63}$")
MIN_PASSWORD_LENGTH = 12
TOTP_ISSUER = "Homeward"


@dataclass(frozen=True)
class NewOfficer:
    username: str
    password: str
    role: Role
    nation: str
    clearance: int = 1


@dataclass(frozen=True)
class Keyring:
    """An officer signed in: who they are and their unwrapped private key (memory only)."""

    principal: Principal
    private_key: bytes


def principal_of(officer: Officer) -> Principal:
    return Principal(
        officer_id=officer.id,
        username=officer.username,
        role=Role(officer.role),
        nation=officer.nation,
        clearance=officer.clearance,
        caveats=frozenset(decode_release(officer.caveats)),
    )


def ensure_default_desks(*, session: Session) -> list[Desk]:
    existing = {desk.code for desk in session.scalars(select(Desk))}
    for code, name, coordination in DEFAULT_DESKS:
        if code not in existing:
            session.add(Desk(code=code, name=name, is_coordination=coordination))
            audit.record(
                session=session,
                actor=audit.SYSTEM,
                action="admin:desk:create",
                resource_type="desk",
                resource_id=code,
                nation=code,
            )
    session.flush()
    return list(session.scalars(select(Desk).order_by(Desk.code)))


def get_desk(*, session: Session, code: str) -> Desk:
    desk = session.get(Desk, code.upper())
    if desk is None:
        raise UnknownDesk(code)
    return desk


def list_desks(*, session: Session) -> list[Desk]:
    return list(session.scalars(select(Desk).order_by(Desk.is_coordination, Desk.code)))


def coalition(*, session: Session) -> dict[str, bool]:
    """Each desk's nation code, and whether it is the coordination cell: what the protection
    rule (`policy.protection`) needs to know of the coalition."""
    return {desk.code: desk.is_coordination for desk in list_desks(session=session)}


def national_desks_with_keys(*, session: Session) -> list[str]:
    """National desks that can receive sealed letters now (they have a key); a desk with no
    officer yet is not offered, and its letters go to the coordination cell instead."""
    keyed = select(DeskKey.desk_code).distinct()
    return list(
        session.scalars(
            select(Desk.code)
            .where(Desk.is_coordination.is_(False), Desk.code.in_(keyed))
            .order_by(Desk.code)
        )
    )


def desk_keys(*, session: Session, desk_code: str) -> list[DeskKey]:
    return list(session.scalars(select(DeskKey).where(DeskKey.desk_code == desk_code)))


def current_desk_key(*, session: Session, desk_code: str) -> DeskKey | None:
    return session.scalars(
        select(DeskKey).where(DeskKey.desk_code == desk_code).order_by(DeskKey.version.desc())
    ).first()


def current_desk_keys(*, session: Session, desk_codes: list[str]) -> dict[str, DeskKey]:
    """The current key of each desk named, in one query (a booking seals to two or three)."""
    current: dict[str, DeskKey] = {}
    for key in session.scalars(
        select(DeskKey).where(DeskKey.desk_code.in_(desk_codes)).order_by(DeskKey.version.desc())
    ):
        current.setdefault(key.desk_code, key)
    return current


def _desk_officers(session: Session, desk_code: str) -> list[Officer]:
    return list(
        session.scalars(
            select(Officer).where(Officer.nation == desk_code, Officer.disabled_at.is_(None))
        )
    )


def _holds_desk_keys(role: Role) -> bool:
    return role not in (Role.ADMINISTRATOR, Role.AUDITOR)


def _new_desk_key(session: Session, desk_code: str, recipients: list[Officer]) -> DeskKey:
    latest = session.scalar(select(func.max(DeskKey.version)).where(DeskKey.desk_code == desk_code))
    private, public = sealing.generate_keypair()
    desk_key = DeskKey(desk_code=desk_code, version=(latest or 0) + 1, public_key=public)
    session.add(desk_key)
    session.flush()
    for officer in recipients:
        session.add(
            OfficerDeskKey(
                officer_id=officer.id,
                desk_key_id=desk_key.id,
                sealed_private_key=sealing.seal(officer.public_key, private),
            )
        )
    return desk_key


def add_officer(
    *, session: Session, secrets: ServerSecrets, cost: sealing.KdfCost, actor: str, data: NewOfficer
) -> tuple[Officer, str]:
    """Create an officer; returns it with its TOTP provisioning URI (shown once)."""
    username = data.username.strip().lower()
    if not USERNAME.match(username):
        raise InvalidOfficer("username", "3-64 characters: a-z first, then a-z 0-9 . _ -")
    if len(data.password) < MIN_PASSWORD_LENGTH:
        raise InvalidOfficer("password", f"at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(select(Officer.id).where(Officer.username == username)):
        raise InvalidOfficer("username", "already taken")
    desk = get_desk(session=session, code=data.nation)
    private, public = sealing.generate_keypair()
    salt = sealing.random_bytes(sealing.SALT_SIZE)
    wrap_key = sealing.derive_key(data.password.encode(), salt, cost)
    totp_secret = pyotp.random_base32()
    officer = Officer(
        username=username,
        role=data.role.value,
        nation=desk.code,
        clearance=data.clearance,
        password_hash=sealing.hash_password(data.password, cost),
        totp_secret_sealed=secrets.seal_field(totp_secret),
        public_key=public,
        private_key_wrapped=sealing.encrypt(wrap_key, private),
        kdf_salt=salt,
    )
    session.add(officer)
    session.flush()
    if (
        _holds_desk_keys(data.role)
        and current_desk_key(session=session, desk_code=desk.code) is None
    ):
        _new_desk_key(session, desk.code, [officer])
    if may(data.role, DEBRIEF_READ):
        compartment_keys(session=session, actor=actor, nations=[desk.code])
    audit.record(
        session=session,
        actor=actor,
        action="admin:officer:create",
        resource_type="officer",
        resource_id=officer.id,
        nation=desk.code,
    )
    uri = pyotp.TOTP(totp_secret).provisioning_uri(name=username, issuer_name=TOTP_ISSUER)
    return officer, uri


def totp_now(*, secrets: ServerSecrets, officer: Officer) -> str:
    """The current code (for the demo's printout and for tests)."""
    return pyotp.TOTP(secrets.open_field(officer.totp_secret_sealed)).now()


def unlock(*, officer: Officer, password: str, cost: sealing.KdfCost) -> Keyring:
    """Unwrap the officer's private key with their password (already verified)."""
    wrap_key = sealing.derive_key(password.encode(), officer.kdf_salt, cost)
    return Keyring(
        principal=principal_of(officer),
        private_key=sealing.decrypt(wrap_key, officer.private_key_wrapped),
    )


def desk_private_keys(*, session: Session, keyring: Keyring) -> dict[str, bytes]:
    """Every desk key version this officer holds, by desk key id."""
    held = session.scalars(
        select(OfficerDeskKey).where(OfficerDeskKey.officer_id == keyring.principal.officer_id)
    )
    return {
        row.desk_key_id: sealing.unseal(keyring.private_key, row.sealed_private_key) for row in held
    }


def grant_pending_keys(*, session: Session, keyring: Keyring) -> int:
    """Seal the desk keys this officer holds to desk colleagues who lack them, and the
    compartment keys to colleagues who read debriefs."""
    granted = _grant_compartment_keys(session, keyring)
    mine = desk_private_keys(session=session, keyring=keyring)
    if not mine:
        return granted
    colleagues = [
        officer
        for officer in _desk_officers(session, keyring.principal.nation)
        if _holds_desk_keys(Role(officer.role))
    ]
    return granted + _grant(
        session,
        keyring,
        mine,
        colleagues,
        held=lambda officer_id: select(OfficerDeskKey.desk_key_id).where(
            OfficerDeskKey.officer_id == officer_id
        ),
        row=lambda officer_id, key_id, sealed: OfficerDeskKey(
            officer_id=officer_id, desk_key_id=key_id, sealed_private_key=sealed
        ),
        action="officer:desk-key:grant",
    )


def _grant(
    session: Session,
    keyring: Keyring,
    mine: dict[str, bytes],
    colleagues: list[Officer],
    *,
    held: Callable[[str], Select[str]],
    row: Callable[[str, str, bytes], object],
    action: str,
) -> int:
    """Seal each private key in `mine` to each colleague who lacks it (`held` lists the key
    ids a colleague has; `row` makes the sealed copy), one audit entry per colleague and key.
    Desk keys and debrief compartment keys are granted alike: only who receives them differs."""
    granted = 0
    for colleague in colleagues:
        theirs = set(session.scalars(held(colleague.id)))
        for key_id, private in mine.items():
            if key_id in theirs:
                continue
            session.add(row(colleague.id, key_id, sealing.seal(colleague.public_key, private)))
            granted += 1
            audit.record(
                session=session,
                actor=keyring.principal.audit_name,
                action=action,
                resource_type="officer",
                resource_id=colleague.id,
                nation=colleague.nation,
            )
    session.flush()
    return granted


def rotate_desk_key(*, session: Session, actor: str, desk_code: str) -> DeskKey:
    """A new key version for new content; old versions stay with the officers, so old
    messages stay readable. Needs no password: the new key is sealed to officers' public keys."""
    desk = get_desk(session=session, code=desk_code)
    recipients = [o for o in _desk_officers(session, desk.code) if _holds_desk_keys(Role(o.role))]
    if not recipients:
        raise InvalidOfficer("desk", f"{desk.code} has no officer to hold a new key")
    desk_key = _new_desk_key(session, desk.code, recipients)
    audit.record(
        session=session,
        actor=actor,
        action="admin:desk:rotate-key",
        resource_type="desk",
        resource_id=desk.code,
        nation=desk.code,
    )
    session.flush()
    return desk_key


def _debrief_readers(session: Session, nation: str) -> list[Officer]:
    """Who holds a nation's compartment key: its officers (not disabled) who read debriefs."""
    return [o for o in _desk_officers(session, nation) if may(o.role, DEBRIEF_READ)]


def _new_compartment_key(
    session: Session, actor: str, nation: str, recipients: list[Officer]
) -> CompartmentKey:
    latest = session.scalar(
        select(func.max(CompartmentKey.version)).where(CompartmentKey.nation == nation)
    )
    private, public = sealing.generate_keypair()
    key = CompartmentKey(nation=nation, version=(latest or 0) + 1, public_key=public)
    session.add(key)
    session.flush()
    for officer in recipients:
        session.add(
            OfficerCompartmentKey(
                officer_id=officer.id,
                compartment_key_id=key.id,
                sealed_private_key=sealing.seal(officer.public_key, private),
            )
        )
    audit.record(
        session=session,
        actor=actor,
        action="debrief:compartment-key:create",
        resource_type="desk",
        resource_id=nation,
        nation=nation,
    )
    session.flush()
    return key


def compartment_keys(
    *, session: Session, actor: str, nations: list[str]
) -> dict[str, CompartmentKey]:
    """The current debrief compartment key of each nation named. A nation with debrief readers
    but no key yet gets one now, sealed to all of them (their public keys suffice); a nation
    with no reader is left out, as there is nobody its key could be sealed to."""
    current: dict[str, CompartmentKey] = {}
    for key in session.scalars(
        select(CompartmentKey)
        .where(CompartmentKey.nation.in_(nations))
        .order_by(CompartmentKey.version.desc())
    ):
        current.setdefault(key.nation, key)
    for nation in sorted(set(nations) - set(current)):
        readers = _debrief_readers(session, nation)
        if readers:
            current[nation] = _new_compartment_key(session, actor, nation, readers)
    return current


def compartment_private_keys(*, session: Session, keyring: Keyring) -> dict[str, bytes]:
    """Every compartment key version this officer holds, by compartment key id."""
    held = session.scalars(
        select(OfficerCompartmentKey).where(
            OfficerCompartmentKey.officer_id == keyring.principal.officer_id
        )
    )
    return {
        row.compartment_key_id: sealing.unseal(keyring.private_key, row.sealed_private_key)
        for row in held
    }


def _grant_compartment_keys(session: Session, keyring: Keyring) -> int:
    """Seal the compartment keys this officer holds to colleagues who read debriefs and lack
    them; an officer whose role no longer reads debriefs passes on nothing."""
    if not may(keyring.principal.role, DEBRIEF_READ):
        return 0
    mine = compartment_private_keys(session=session, keyring=keyring)
    if not mine:
        return 0
    return _grant(
        session,
        keyring,
        mine,
        _debrief_readers(session, keyring.principal.nation),
        held=lambda officer_id: select(OfficerCompartmentKey.compartment_key_id).where(
            OfficerCompartmentKey.officer_id == officer_id
        ),
        row=lambda officer_id, key_id, sealed: OfficerCompartmentKey(
            officer_id=officer_id, compartment_key_id=key_id, sealed_private_key=sealed
        ),
        action="officer:compartment-key:grant",
    )


def rotate_compartment_key(*, session: Session, actor: str, nation: str) -> CompartmentKey:
    """A new compartment key version for reports sealed from now on, sealed to the nation's
    current debrief readers; old versions stay with their holders, so old reports stay
    readable. Used when a reader leaves the compartment (disabled, or another role)."""
    desk = get_desk(session=session, code=nation)
    readers = _debrief_readers(session, desk.code)
    if not readers:
        raise InvalidOfficer("desk", f"{desk.code} has no officer who reads debriefs")
    key = _new_compartment_key(session, actor, desk.code, readers)
    audit.record(
        session=session,
        actor=actor,
        action="admin:compartment:rotate-key",
        resource_type="desk",
        resource_id=desk.code,
        nation=desk.code,
    )
    session.flush()
    return key


CAVEAT = re.compile(r"^[A-Z][A-Z0-9-]{1,31}$")


def set_caveats(*, session: Session, actor: str, officer_id: str, caveats: list[str]) -> Officer:
    """The handling caveats an officer holds (granted by whoever manages officers; the
    programme's words are checked by the debrief capability that reads them)."""
    officer = session.get(Officer, officer_id)
    if officer is None:
        raise InvalidOfficer("officer", "no such officer")
    cleaned = {caveat.strip().upper() for caveat in caveats if caveat.strip()}
    for caveat in cleaned:
        if not CAVEAT.match(caveat):
            raise InvalidOfficer("caveats", f"{caveat!r}: 2-32 of A-Z 0-9 -, a letter first")
    officer.caveats = encode_release(cleaned)
    audit.record(
        session=session,
        actor=actor,
        action="admin:officer:caveats",
        resource_type="officer",
        resource_id=officer.id,
        nation=officer.nation,
    )
    session.flush()
    return officer


def get_officer(*, session: Session, officer_id: str) -> Officer | None:
    return session.get(Officer, officer_id)


def find_officer(*, session: Session, username: str) -> Officer | None:
    return session.scalar(select(Officer).where(Officer.username == username.strip().lower()))
