"""Failed officer sign-ins per username: growing waits, then a lock that ends by itself.

The balance. A guesser must be slowed to a crawl, but an attacker who knows a username must
not be able to keep its officer out for long:

- the first `free` failures (5) cost nothing, so a real officer's typos never lock them out;
- from there each further try must wait a delay that doubles from 5 s (5, 10, 20, 40, 80 s);
- at `lock` failures (10) the username is locked for `lock_minutes` (15), and every failure
  after the lock ends locks it for as long again. A guesser gets about 10 tries in the first
  three minutes, then one per 15 minutes: ~100 a day, so a six-digit code (three codes valid
  at a time) holds for ~9 years on average and a password far longer;
- a lock is never longer than `lock_minutes`, whatever the count, and tries refused while
  locked are not counted, so a flood cannot lengthen it; the counter is forgotten after a day
  without failures and at the username's next successful sign-in;
- sessions already open are not touched: an officer signed in stays signed in while somebody
  hammers their username.

An attacker can still keep one username locked by failing once every 15 minutes, but only for
clients the officer never signed in from: a browser or client that did shows its device token
(`accounts.devices`) and is counted on a throttle of its own, which the attacker cannot fill.
The auditor sees every refusal, and an administrator can end a lock at once (`homeward officer
unlock USERNAME`). The counter is in the database, so it
holds across processes and instances.
A username that does not exist is counted and locked exactly like one that does, so the lock
tells nothing about which usernames exist.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from homeward.accounts.models import SigninThrottle
from homeward.core.settings import Settings
from homeward.crypto import sealing
from homeward.crypto.keys import ServerSecrets

FIRST_DELAY = timedelta(seconds=5)
FORGET_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class Policy:
    free: int = 5
    lock: int = 10
    lock_minutes: int = 15

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            free=settings.officer_signin_free_failures,
            lock=max(settings.officer_signin_lock_failures, settings.officer_signin_free_failures),
            lock_minutes=settings.officer_signin_lock_minutes,
        )

    def wait_after(self, failures: int) -> timedelta | None:
        """How long the next try must wait after this many failures in a row."""
        if failures >= self.lock:
            return timedelta(minutes=self.lock_minutes)
        if failures >= self.free:
            return min(FIRST_DELAY * (1 << (failures - self.free)), self.lock_duration)
        return None

    @property
    def lock_duration(self) -> timedelta:
        return timedelta(minutes=self.lock_minutes)


def key_of(secrets: ServerSecrets, username: str) -> str:
    """The throttle key of a username as typed (trimmed, lower case, as sign-in reads it)."""
    normalised = username.strip().lower().encode()
    return sealing.keyed_hash(secrets.subkey("hw-signin-throttle"), normalised, "hw-signin").hex()


def device_key_of(secrets: ServerSecrets, username: str, device_nonce: str) -> str:
    """The throttle key of a username tried from one known device: its own counter."""
    return key_of(secrets, f"{username.strip()}\0device:{device_nonce}")


def wait_left(*, session: Session, key: str, now: datetime) -> timedelta | None:
    """Time left before this username's next try may be evaluated; None when it may be now."""
    next_at = session.scalar(
        select(SigninThrottle.next_attempt_at).where(SigninThrottle.key == key)
    )
    if next_at is None or next_at <= now:
        return None
    return next_at - now


def record_failure(*, session: Session, key: str, policy: Policy, now: datetime) -> int:
    """Count one failure in one atomic statement (concurrent failures are all counted on both
    engines) and set the username's next allowed time; returns the count."""
    session.execute(
        delete(SigninThrottle).where(
            SigninThrottle.last_failure_at < now - FORGET_AFTER,
            (SigninThrottle.next_attempt_at.is_(None)) | (SigninThrottle.next_attempt_at < now),
        )
    )
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(SigninThrottle).values(key=key, failures=1, last_failure_at=now)
    upsert = insert.on_conflict_do_update(
        index_elements=[SigninThrottle.key],
        set_={"failures": SigninThrottle.failures + 1, "last_failure_at": now},
    ).returning(SigninThrottle.failures)
    failures = int(session.execute(upsert).scalar_one())
    wait = policy.wait_after(failures)
    row = session.get(SigninThrottle, key, populate_existing=True)
    if row is not None:
        row.next_attempt_at = now + wait if wait is not None else None
    session.flush()
    return failures


def clear(*, session: Session, key: str) -> None:
    """Forget a username's failures: after a successful sign-in, or by an administrator."""
    session.execute(delete(SigninThrottle).where(SigninThrottle.key == key))


def minutes_text(wait: timedelta) -> str:
    """`20 seconds`, `1 minute`, `15 minutes`: rounded up, for the refusal's message."""
    seconds = max(1, math.ceil(wait.total_seconds()))
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
