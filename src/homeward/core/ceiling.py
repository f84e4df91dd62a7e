"""A server-wide ceiling on failures, for the officer sign-in.

A password spray tries one or two passwords on many usernames: no username fails often enough
for its own lock, so the server as a whole caps how many failed sign-ins it evaluates a minute.
Like the ceiling on new codenames in `gate.py` it cannot be per address (no address is ever
looked at) and is per process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class FailureCeiling:
    """A token bucket spent by failures, not by attempts: up to `per_minute` failures a minute
    (bursts up to the same number). While it is empty every attempt is refused before any work,
    so a right password cannot be told from a wrong one then; successes cost nothing."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._capacity = float(per_minute)
        self._tokens = float(per_minute)
        self._rate = per_minute / 60.0
        self._clock = clock
        self._updated = clock()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self._capacity, self._tokens + (now - self._updated) * self._rate)
        self._updated = now

    def open(self) -> bool:
        """Whether an attempt may be evaluated now (at least one failure left to spend)."""
        with self._lock:
            self._refill()
            return self._tokens >= 1

    def spend(self) -> None:
        """One failure; attempts already under way may take the bucket a little below one."""
        with self._lock:
            self._refill()
            self._tokens = max(0.0, self._tokens - 1)

    def seconds_until_open(self) -> float:
        with self._lock:
            self._refill()
            return max(0.0, (1 - self._tokens) / self._rate)
