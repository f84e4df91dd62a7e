"""Officer sign-in and sessions, shared by the officer pages (cookie) and the API (bearer)."""

from __future__ import annotations

from datetime import timedelta

from homeward.accounts import service as accounts_service
from homeward.accounts import sessions
from homeward.accounts.exceptions import SessionExpired
from homeward.accounts.service import Keyring
from homeward.core.runtime import Runtime


def sign_in(runtime: Runtime, username: str, password: str, code: str) -> tuple[Keyring, str]:
    """Check the password and code; returns the keyring and a new session token."""
    settings = runtime.settings
    with runtime.kdf_gate.slot(), runtime.db.transaction() as session:
        keyring = accounts_service.sign_in(
            session=session,
            secrets=runtime.secrets,
            cost=runtime.cost,
            username=username[:200],
            password=password[:1000],
            code=code[:12],
        )
        token = sessions.create(
            session=session,
            kind=sessions.OFFICER,
            subject_id=keyring.principal.officer_id,
            secret=keyring.private_key,
            idle=timedelta(minutes=settings.officer_idle_minutes),
            lifetime=timedelta(hours=settings.officer_max_hours),
        )
    return keyring, token


def keyring_for(runtime: Runtime, token: str | None) -> Keyring:
    """The signed-in officer behind a token, re-read from the database on every request so
    that a disabled officer or a changed role takes effect at once."""
    try:
        return _open_keyring(runtime, token)
    except SessionExpired:
        # The refusal rolled its own transaction back, and with it the deletion of the expired
        # row: delete it in a transaction of its own, so its sealed key does not linger.
        with runtime.db.transaction() as session:
            sessions.end(session=session, token=token, kind=sessions.OFFICER)
        raise


def _open_keyring(runtime: Runtime, token: str | None) -> Keyring:
    with runtime.db.transaction() as session:
        opened = sessions.load(
            session=session,
            token=token,
            kind=sessions.OFFICER,
            idle=timedelta(minutes=runtime.settings.officer_idle_minutes),
        )
        officer = accounts_service.get_officer(session=session, officer_id=opened.subject_id)
        if officer is None or officer.disabled_at is not None:
            sessions.end(session=session, token=token)
            raise SessionExpired
        return Keyring(accounts_service.principal_of(officer), opened.secret)


def sign_out(runtime: Runtime, token: str | None) -> None:
    """Deleting the session row forgets the unwrapped key for good."""
    with runtime.db.transaction() as session:
        sessions.end(session=session, token=token)
