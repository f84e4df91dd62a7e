"""Officer sign-in and sessions, shared by the officer pages (cookie) and the API (bearer).

Sign-in is one of the two requests that do not run in the request's one transaction
(web/deps.py): it reads, runs Argon2id with no transaction open, then writes, and a refusal's
audit entry commits although the request fails. Sessions are read in the request's own.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy.orm import Session

from homeward.accounts import devices, sessions, signin, throttle
from homeward.accounts import service as accounts_service
from homeward.accounts.exceptions import SessionExpired
from homeward.accounts.service import Keyring
from homeward.core.ceiling import FailureCeiling
from homeward.core.db import utcnow
from homeward.core.runtime import Runtime
from homeward.core.settings import Settings


class SignedIn(NamedTuple):
    keyring: Keyring
    token: str
    """The session token."""
    device: str
    """A device token for the client to keep: its next sign-ins are judged apart."""


def sign_in(
    runtime: Runtime,
    username: str,
    password: str,
    code: str,
    *,
    device: str | None = None,
    now: datetime | None = None,
) -> SignedIn:
    """Check the password and code; returns the keyring, a new session token and a device
    token.

    Reads in one short transaction, runs Argon2id with none open, writes in another. Every
    refusal commits its own audit entry (and the username's failure count) before it is raised,
    so a refused sign-in is never rolled back out of the log. A valid device token from an
    earlier sign-in of this username passes the server-wide ceiling and is throttled on its own
    counter (see `accounts.devices`). `now` is for tests."""
    now = now or utcnow()
    username, password, code = username[:200], password[:1000], code[:12]
    policy = throttle.Policy.from_settings(runtime.settings)
    nonce = devices.nonce_of(secrets=runtime.secrets, username=username, token=device)
    ceiling = None if nonce is not None else runtime.officer_signin_failures
    with runtime.db.transaction() as session:
        attempt = signin.begin(
            session=session,
            secrets=runtime.secrets,
            username=username,
            now=now,
            device_nonce=nonce,
        )
        early = _early_refusal(attempt, ceiling)
        if early is not None:
            signin.refuse(session=session, attempt=attempt, refusal=early, policy=policy, now=now)
    if early is not None:
        raise early.error()
    try:
        with runtime.kdf_gate.officer_slot():
            verdict = signin.evaluate(
                attempt=attempt,
                secrets=runtime.secrets,
                cost=runtime.cost,
                password=password,
                code=code,
                now=now,
            )
        with runtime.db.transaction() as session:
            outcome = signin.finish(
                session=session, attempt=attempt, verdict=verdict, policy=policy, now=now
            )
            if isinstance(outcome, Keyring):
                token = sessions.create(
                    session=session,
                    kind=sessions.OFFICER,
                    subject_id=outcome.principal.officer_id,
                    secret=outcome.private_key,
                    idle=timedelta(minutes=runtime.settings.officer_idle_minutes),
                    lifetime=timedelta(hours=runtime.settings.officer_max_hours),
                )
    except BaseException:
        _give_back(ceiling)
        raise
    if isinstance(outcome, Keyring):
        _give_back(ceiling)
        known = device if nonce is not None and device is not None else None
        return SignedIn(
            outcome, token, known or devices.issue(secrets=runtime.secrets, username=username)
        )
    if not outcome.counted:
        _give_back(ceiling)
    raise outcome.error()


def _give_back(ceiling: FailureCeiling | None) -> None:
    if ceiling is not None:
        ceiling.give_back()


def _early_refusal(
    attempt: signin.Attempt, ceiling: FailureCeiling | None
) -> signin.Refusal | None:
    """Refusals that check nothing: the username (or this device of it) must wait, or the
    server has seen too many failures this minute (not asked of a known device). Both answer
    at once, with no Argon2id and no sleeping thread. An attempt let through holds one of the
    ceiling's failures until it is judged."""
    if attempt.wait is not None:
        return signin.Refusal(signin.LOCKED, attempt.wait)
    if ceiling is not None and not ceiling.take():
        return signin.Refusal(signin.CEILING, timedelta(seconds=ceiling.seconds_until_open()))
    return None


def keyring_for(session: Session, settings: Settings, token: str | None) -> Keyring:
    """The signed-in officer behind a token, re-read from the database on every request so
    that a disabled officer or a changed role takes effect at once. Runs in the request's own
    transaction; a refused token's row is deleted in it, and the refusal (SessionExpired) is
    the one error that transaction commits (web/deps.py), so the deletion stays."""
    try:
        opened = sessions.load(
            session=session,
            token=token,
            kind=sessions.OFFICER,
            idle=timedelta(minutes=settings.officer_idle_minutes),
        )
    except SessionExpired:
        sessions.end(session=session, token=token, kind=sessions.OFFICER)
        raise
    officer = accounts_service.get_officer(session=session, officer_id=opened.subject_id)
    if officer is None or officer.disabled_at is not None:
        sessions.end(session=session, token=token)
        raise SessionExpired
    return Keyring(accounts_service.principal_of(officer), opened.secret)


def sign_out(session: Session, token: str | None) -> None:
    """Deleting the session row forgets the unwrapped key for good."""
    sessions.end(session=session, token=token)
