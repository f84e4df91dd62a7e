"""Base errors; each capability raises narrow subclasses that web/ turns into answers."""

from __future__ import annotations


class HomewardError(Exception):
    """Base of every error Homeward raises on purpose. The message is safe to show."""

    status_code = 400


class BadInput(HomewardError):
    """Input that is malformed or out of bounds; names the field at fault."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class TooLarge(BadInput):
    status_code = 413


class NotFound(HomewardError):
    """Missing, or not visible to this officer: the two look the same on purpose."""

    status_code = 404

    def __init__(self, what: str = "record") -> None:
        super().__init__(f"{what} not found")


class Forbidden(HomewardError):
    """The role may not do this at all (a record the officer may not see is NotFound)."""

    status_code = 403


class Busy(HomewardError):
    """Capacity is saturated on purpose (key derivation, new contacts); try again later."""

    status_code = 503


class RateLimited(Busy):
    status_code = 429
