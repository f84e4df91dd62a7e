"""Base errors; each capability raises narrow subclasses, which web/errors.py maps to HTTP
statuses (the domain knows nothing of HTTP)."""

from __future__ import annotations


class HomewardError(Exception):
    """Base of every error Homeward raises on purpose. The message is safe to show."""


class BadInput(HomewardError):
    """Input that is malformed or out of bounds; names the field at fault."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class TooLarge(BadInput):
    """Bigger than allowed (a file, a letter, a whole request)."""


class NotFound(HomewardError):
    """Missing, or not visible to this officer: the two look the same on purpose."""

    def __init__(self, what: str = "record") -> None:
        super().__init__(f"{what} not found")


class Forbidden(HomewardError):
    """The role may not do this at all (a record the officer may not see is NotFound)."""


class Busy(HomewardError):
    """Capacity is saturated on purpose (key derivation, new contacts); try again later."""


class RateLimited(Busy):
    """Too many of these from here lately; try again later."""
