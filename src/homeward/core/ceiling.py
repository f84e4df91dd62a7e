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


class TokenBucket:
    """Up to `per_minute` tokens a minute, bursts up to the same number; thread-safe, per
    process. The ceiling on new codenames (`gate.NewContactLimiter`) is one too."""

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

    def take(self) -> bool:
        """Take a token (for the ceiling: reserve one failure before an attempt is judged);
        False if none is left."""
        with self._lock:
            self._refill()
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True

    def give_back(self) -> None:
        """Return a token taken (for the ceiling: the attempt did not fail, or was not judged)."""
        with self._lock:
            self._refill()
            self._tokens = min(self._capacity, self._tokens + 1)

    def seconds_until_open(self) -> float:
        with self._lock:
            self._refill()
            return max(0.0, (1 - self._tokens) / self._rate)


class FailureCeiling(TokenBucket):
    """A bucket of failures: each attempt takes a token before it is evaluated and a success
    gives it back, so attempts evaluated side by side cannot overshoot the ceiling. While the
    bucket is empty every attempt is refused before any work (a right password cannot be told
    from a wrong one then)."""
