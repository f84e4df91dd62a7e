"""Officer sign-in in three steps, so that Argon2id never runs inside a transaction.

`begin` reads what the attempt needs (the officer, the username's throttle) in a short
transaction; `evaluate` runs Argon2id and checks the code with no transaction open (on SQLite
every transaction holds the one write lock, and a sign-in held it for two Argon2id runs);
`finish` writes the outcome in a short transaction: the refusal's count and audit entry, or the
spent TOTP step, the accept entry and the desk keys granted. The TOTP step is spent by one
conditional UPDATE, so of simultaneous sign-ins with one code exactly one wins, on PostgreSQL
as on SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import pyotp
from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from homeward.accounts import throttle
from homeward.accounts.exceptions import SignInCeiling, SignInRefused, SignInWait
from homeward.accounts.models import Officer, SigninThrottle
from homeward.accounts.service import Keyring, grant_pending_keys, principal_of
from homeward.audit import service as audit
from homeward.core.errors import HomewardError
from homeward.crypto import sealing
from homeward.crypto.keys import ServerSecrets

ANONYMOUS = "anonymous"
"""The actor of a refused sign-in: nobody has shown who they are."""
UNKNOWN = "unknown"
PASSWORD = "password"  # noqa: S105 - a reason's name, not a password
CODE = "code"
LOCKED = "locked"
CEILING = "ceiling"
REFUSE_ACTION = "officer:signin:refuse-{reason}"
ACCEPT_ACTION = "officer:signin:accept"
_COUNTED = frozenset({UNKNOWN, PASSWORD, CODE})


@dataclass(frozen=True)
class Attempt:
    """What one sign-in needs from the database, read before any Argon2id."""

    throttle_key: str
    wait: timedelta | None
    """Time left before this username may be tried again (None: now)."""
    officer_id: str | None = None
    nation: str | None = None
    password_hash: str = ""
    totp_secret_sealed: bytes = b""
    last_totp_step: int = 0
    kdf_salt: bytes = b""
    private_key_wrapped: bytes = b""


@dataclass(frozen=True)
class Verdict:
    """The credentials judged: a refusal reason, or the code's step and the unwrapped key."""

    refusal: str | None
    step: int = 0
    private_key: bytes = b""


@dataclass(frozen=True)
class Refusal:
    reason: str
    wait: timedelta | None = None

    @property
    def counted(self) -> bool:
        """Credentials were checked and failed (a lock or the ceiling checks nothing)."""
        return self.reason in _COUNTED

    def error(self) -> HomewardError:
        if self.reason == LOCKED:
            return SignInWait(throttle.minutes_text(self.wait or timedelta()))
        if self.reason == CEILING:
            return SignInCeiling(throttle.minutes_text(self.wait or timedelta()))
        return SignInRefused()


def begin(
    *,
    session: Session,
    secrets: ServerSecrets,
    username: str,
    now: datetime,
    device_nonce: str | None = None,
) -> Attempt:
    """From a known device (see `devices`) the username's failures are counted apart."""
    key = (
        throttle.key_of(secrets, username)
        if device_nonce is None
        else throttle.device_key_of(secrets, username, device_nonce)
    )
    wait = throttle.wait_left(session=session, key=key, now=now)
    officer = session.scalar(select(Officer).where(Officer.username == username.strip().lower()))
    if officer is None or officer.disabled_at is not None:
        return Attempt(throttle_key=key, wait=wait)
    return Attempt(
        throttle_key=key,
        wait=wait,
        officer_id=officer.id,
        nation=officer.nation,
        password_hash=officer.password_hash,
        totp_secret_sealed=officer.totp_secret_sealed,
        last_totp_step=officer.last_totp_step,
        kdf_salt=officer.kdf_salt,
        private_key_wrapped=officer.private_key_wrapped,
    )


def evaluate(
    *,
    attempt: Attempt,
    secrets: ServerSecrets,
    cost: sealing.KdfCost,
    password: str,
    code: str,
    now: datetime,
) -> Verdict:
    """Password, then code, then unwrap the key: call with no transaction open. An unknown
    username spends the same Argon2id time as a wrong password."""
    if attempt.officer_id is None:
        sealing.hash_password(password, cost)
        return Verdict(UNKNOWN)
    if not sealing.verify_password(attempt.password_hash, password):
        return Verdict(PASSWORD)
    step = _matching_step(secrets, attempt, code, now)
    if step is None:
        return Verdict(CODE)
    wrap_key = sealing.derive_key(password.encode(), attempt.kdf_salt, cost)
    return Verdict(None, step, sealing.decrypt(wrap_key, attempt.private_key_wrapped))


def _matching_step(
    secrets: ServerSecrets, attempt: Attempt, code: str, now: datetime
) -> int | None:
    """The step within one of now whose code this is, if not spent already."""
    totp = pyotp.TOTP(secrets.open_field(attempt.totp_secret_sealed))
    current = int(now.timestamp()) // totp.interval
    given = code.strip().encode()
    for step in (current - 1, current, current + 1):
        if step > attempt.last_totp_step and sealing.equal(totp.generate_otp(step).encode(), given):
            return step
    return None


def refuse(
    *, session: Session, attempt: Attempt, refusal: Refusal, policy: throttle.Policy, now: datetime
) -> None:
    """Count a failure of the credentials and record every refusal (never the password or
    code): the caller commits this even though the sign-in fails."""
    if refusal.counted:
        throttle.record_failure(session=session, key=attempt.throttle_key, policy=policy, now=now)
    known = attempt.officer_id is not None
    audit.record(
        session=session,
        actor=ANONYMOUS,
        action=REFUSE_ACTION.format(reason=refusal.reason),
        resource_type="officer" if known else "username",
        resource_id=attempt.officer_id if attempt.officer_id is not None else attempt.throttle_key,
        nation=attempt.nation,
    )


def finish(
    *,
    session: Session,
    attempt: Attempt,
    verdict: Verdict,
    policy: throttle.Policy,
    now: datetime,
) -> Keyring | Refusal:
    """Write the outcome: the keyring of a sign-in accepted, or the refusal recorded."""
    if verdict.refusal is None:
        outcome = _accept(session, attempt, verdict, now)
        if isinstance(outcome, Keyring):
            return outcome
        refusal = outcome
    else:
        refusal = Refusal(verdict.refusal)
    refuse(session=session, attempt=attempt, refusal=refusal, policy=policy, now=now)
    return refusal


def _accept(
    session: Session, attempt: Attempt, verdict: Verdict, now: datetime
) -> Keyring | Refusal:
    # A lock set by failures evaluated alongside this one holds for it too.
    wait = throttle.wait_left(session=session, key=attempt.throttle_key, now=now)
    if wait is not None:
        return Refusal(LOCKED, wait)
    # One statement checks and spends the step: a concurrent sign-in with the same code waits
    # for this row on PostgreSQL, then finds the step spent and updates nothing.
    spent = cast(
        "CursorResult[Any]",
        session.execute(
            update(Officer)
            .where(
                Officer.id == attempt.officer_id,
                Officer.last_totp_step < verdict.step,
                Officer.password_hash == attempt.password_hash,
                Officer.disabled_at.is_(None),
            )
            .values(last_totp_step=verdict.step)
            .execution_options(synchronize_session=False)
        ),
    )
    if spent.rowcount != 1:
        return Refusal(CODE)
    officer = session.get(Officer, attempt.officer_id, populate_existing=True)
    assert officer is not None  # noqa: S101 - the update above just matched it
    keyring = Keyring(principal=principal_of(officer), private_key=verdict.private_key)
    throttle.clear(session=session, key=attempt.throttle_key)
    audit.record(
        session=session,
        actor=keyring.principal.audit_name,
        action=ACCEPT_ACTION,
        resource_type="officer",
        resource_id=officer.id,
        nation=officer.nation,
    )
    grant_pending_keys(session=session, keyring=keyring)
    return keyring


def lift_lock(*, session: Session, secrets: ServerSecrets, actor: str, username: str) -> bool:
    """An administrator forgets a username's failures, so its wait or lock ends now (the
    officer rang to say they are locked out). True if there was anything to forget."""
    key = throttle.key_of(secrets, username)
    held = session.get(SigninThrottle, key) is not None
    throttle.clear(session=session, key=key)
    officer = session.scalar(select(Officer).where(Officer.username == username.strip().lower()))
    audit.record(
        session=session,
        actor=actor,
        action="admin:officer:signin-unlock",
        resource_type="officer" if officer is not None else "username",
        resource_id=officer.id if officer is not None else key,
        nation=officer.nation if officer is not None else None,
    )
    return held
