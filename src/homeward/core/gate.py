"""Keeping floods of contacts from hurting the officers' side.

Argon2id is slow on purpose, so a flood of first contacts or sign-ins could eat every core.
`KdfGate` lets only a few derivations run at once and turns the rest away after a short wait;
`NewContactLimiter` caps how many codenames are issued per minute for the whole server (it
cannot be per address: no address is ever looked at). Both are per process.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

from homeward.core.ceiling import TokenBucket
from homeward.core.errors import Busy, RateLimited

T = TypeVar("T")
BUSY = "the service is busy; please try again in a minute"


class _Waiter:
    """One request queued for a slot: woken by whoever releases one (any thread, any loop)."""

    def __init__(self, wake: Callable[[], None]) -> None:
        self.wake = wake
        self.granted = False
        self.abandoned = False


class Slots:
    """A counting semaphore, first come first served, that an event loop waits on without
    holding a thread and that any thread may release. asyncio's and anyio's are bound to one
    event loop, and a threading one holds a thread while it waits."""

    def __init__(self, count: int) -> None:
        self._free = count
        self._lock = threading.Lock()
        self._queue: deque[_Waiter] = deque()

    @property
    def free(self) -> int:
        return self._free

    @property
    def waiting(self) -> int:
        with self._lock:
            return sum(1 for waiter in self._queue if not waiter.abandoned)

    def _take_or_queue(self, wake: Callable[[], None], wait: bool) -> _Waiter | None:
        """None when a slot was free (now taken); else the waiter queued (if `wait`)."""
        waiter = _Waiter(wake)
        with self._lock:
            if self._free > 0 and not self._queue:
                self._free -= 1
                return None
            if wait:
                self._queue.append(waiter)
            else:
                waiter.abandoned = True
        return waiter

    def _give_up(self, waiter: _Waiter) -> bool:
        """Stop waiting; True if a slot was handed over meanwhile (the caller now holds it)."""
        with self._lock:
            if waiter.granted:
                return True
            waiter.abandoned = True
            return False

    async def take(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for a slot, holding no thread; False if none came."""
        loop = asyncio.get_running_loop()
        woken = loop.create_future()

        def settle() -> None:
            if not woken.done():
                woken.set_result(None)

        def wake() -> None:
            loop.call_soon_threadsafe(settle)

        waiter = self._take_or_queue(wake, timeout > 0)
        if waiter is None:
            return True
        if waiter.abandoned:
            return False
        try:
            await asyncio.wait({woken}, timeout=timeout)
        except BaseException:  # cancelled: pass on a slot that was handed over meanwhile
            if self._give_up(waiter):
                self.release()
            raise
        return self._give_up(waiter)

    def take_blocking(self, timeout: float) -> bool:
        """The same from a thread that may block (a sync route already holds its own)."""
        woken = threading.Event()
        waiter = self._take_or_queue(woken.set, timeout > 0)
        if waiter is None:
            return True
        if waiter.abandoned:
            return False
        woken.wait(timeout)
        return self._give_up(waiter)

    def release(self) -> None:
        while True:
            with self._lock:
                while self._queue and self._queue[0].abandoned:
                    self._queue.popleft()
                if not self._queue:
                    self._free += 1
                    return
                waiter = self._queue.popleft()
                waiter.granted = True
            try:
                waiter.wake()
            except RuntimeError:  # its event loop has closed: nobody is waiting there any more
                continue
            return


class KdfGate:
    """At most `contact_slots + officer_slots` Argon2id derivations at once (set it to no more
    than the cores), in two shares: contacts never use the officers' slots, so a flood of
    contact sign-ins always leaves officers theirs.

    A contact waits for a slot on the event loop (no thread held while waiting), then runs on
    the gate's own threads, never on the worker threads the officer routes need. Anyone still
    waiting after `wait_seconds` gets the same 'busy' answer, whatever they sent."""

    def __init__(self, *, contact_slots: int, officer_slots: int, wait_seconds: float) -> None:
        self.contacts = Slots(contact_slots)
        self.officers = Slots(officer_slots)
        self._wait_seconds = wait_seconds
        self._threads = ThreadPoolExecutor(contact_slots, thread_name_prefix="homeward-kdf")

    async def run_for_contact(self, work: Callable[[], T]) -> T:
        """Run `work` (a derivation and its short transaction) in a contact slot."""
        if not await self.contacts.take(self._wait_seconds):
            raise Busy(BUSY)

        def in_slot() -> T:
            try:
                return work()
            finally:
                self.contacts.release()

        try:
            future = self._threads.submit(contextvars.copy_context().run, in_slot)
        except BaseException:
            self.contacts.release()
            raise
        # Shielded: a cancelled request leaves the work to finish and free its slot itself.
        return await asyncio.shield(asyncio.wrap_future(future))

    @contextmanager
    def officer_slot(self) -> Iterator[None]:
        """One of the officers' own slots, for the officer sign-in (a sync route)."""
        if not self.officers.take_blocking(self._wait_seconds):
            raise Busy(BUSY)
        try:
            yield
        finally:
            self.officers.release()

    def close(self) -> None:
        self._threads.shutdown(wait=True)


class NewContactLimiter:
    """`per_minute` new codenames a minute, bursts up to the same number."""

    def __init__(self, per_minute: int) -> None:
        self._bucket = TokenBucket(per_minute)

    def take(self) -> None:
        if not self._bucket.take():
            raise RateLimited("too many new contacts right now; please try again later")
