"""Keeping floods of contacts from hurting the officers' side.

Argon2id is slow on purpose, so a flood of first contacts or sign-ins could eat every core.
`KdfGate` lets only a few derivations run at once and turns the rest away after a short wait;
`NewContactLimiter` caps how many codenames are issued per minute for the whole server (it
cannot be per address: no address is ever looked at). Both are per process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from homeward.core.errors import Busy, RateLimited


class KdfGate:
    def __init__(self, concurrency: int, wait_seconds: float) -> None:
        self._slots = threading.BoundedSemaphore(concurrency)
        self._wait_seconds = wait_seconds

    @contextmanager
    def slot(self) -> Iterator[None]:
        if not self._slots.acquire(timeout=self._wait_seconds):
            raise Busy("the service is busy; please try again in a minute")
        try:
            yield
        finally:
            self._slots.release()


class NewContactLimiter:
    """A token bucket: `per_minute` new codenames a minute, bursts up to the same number."""

    def __init__(self, per_minute: int) -> None:
        self._capacity = float(per_minute)
        self._tokens = float(per_minute)
        self._rate = per_minute / 60.0
        self._updated = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> None:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self._capacity, self._tokens + (now - self._updated) * self._rate)
            self._updated = now
            if self._tokens < 1:
                raise RateLimited("too many new contacts right now; please try again later")
            self._tokens -= 1
