"""Server-side sessions for officers and contacts, bound to this server and revocable.

The cookie carries a random 256-bit token. The database keeps only a hash of it as the id, and
the session's secret encrypted under a key derived from the token: whoever copies the database
cannot use or open a live session, and deleting the row forgets the secret for good.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from homeward.accounts.exceptions import SessionExpired
from homeward.accounts.models import WebSession
from homeward.core.db import utcnow
from homeward.crypto import sealing

OFFICER = "officer"
CONTACT = "contact"
_TOKEN_BYTES = 32


@dataclass(frozen=True)
class OpenSession:
    token: str
    subject_id: str
    secret: bytes


def _id_of(token: str) -> str:
    return sealing.keyed_hash(b"", token.encode(), "hw-session-id").hex()


def _key_of(token: str) -> bytes:
    return sealing.keyed_hash(b"", token.encode(), "hw-session-key")


def create(
    *,
    session: Session,
    kind: str,
    subject_id: str,
    secret: bytes,
    idle: timedelta,
    lifetime: timedelta,
) -> str:
    token = base64.urlsafe_b64encode(sealing.random_bytes(_TOKEN_BYTES)).decode().rstrip("=")
    now = utcnow()
    session.add(
        WebSession(
            id=_id_of(token),
            kind=kind,
            subject_id=subject_id,
            sealed_secret=sealing.encrypt(_key_of(token), secret),
            expires_at=now + idle,
            hard_expires_at=now + lifetime,
        )
    )
    session.flush()
    return token


def load(*, session: Session, token: str | None, kind: str, idle: timedelta) -> OpenSession:
    """The live session for this token, its idle deadline moved on; SessionExpired otherwise."""
    if not token or len(token) > 100:
        raise SessionExpired
    row = session.get(WebSession, _id_of(token))
    now = utcnow()
    if row is None or row.kind != kind:
        raise SessionExpired
    if row.expires_at <= now or row.hard_expires_at <= now:
        session.delete(row)
        session.flush()
        raise SessionExpired
    row.expires_at = min(now + idle, row.hard_expires_at)
    try:
        secret = sealing.decrypt(_key_of(token), row.sealed_secret)
    except sealing.CryptoError as exc:
        raise SessionExpired from exc
    return OpenSession(token=token, subject_id=row.subject_id, secret=secret)


def replace_secret(*, session: Session, token: str, kind: str, secret: bytes) -> None:
    """Seal a new secret into a live session (a contact's codename dropped from it once typed
    back); the row's deadlines stay as they are."""
    row = session.get(WebSession, _id_of(token))
    if row is None or row.kind != kind:
        raise SessionExpired
    row.sealed_secret = sealing.encrypt(_key_of(token), secret)
    session.flush()


def end(*, session: Session, token: str | None, kind: str | None = None) -> None:
    """Delete the session of this token (only if of this kind, when a kind is given)."""
    if token and len(token) <= 100:
        query = delete(WebSession).where(WebSession.id == _id_of(token))
        if kind is not None:
            query = query.where(WebSession.kind == kind)
        session.execute(query)


def end_all_for(*, session: Session, subject_id: str) -> None:
    session.execute(delete(WebSession).where(WebSession.subject_id == subject_id))


def purge_expired(*, session: Session) -> int:
    now = utcnow()
    expired = list(
        session.scalars(
            select(WebSession.id).where(
                (WebSession.expires_at <= now) | (WebSession.hard_expires_at <= now)
            )
        )
    )
    if expired:
        session.execute(delete(WebSession).where(WebSession.id.in_(expired)))
    return len(expired)
