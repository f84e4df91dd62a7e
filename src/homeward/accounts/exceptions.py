"""Errors of the accounts capability."""

from __future__ import annotations

from homeward.core.errors import BadInput, HomewardError, NotFound


class SignInRefused(HomewardError):
    """Wrong username, password or code: one message for all, so none is confirmed."""

    status_code = 401

    def __init__(self) -> None:
        super().__init__("sign-in refused: check the username, password and code")


class SessionExpired(HomewardError):
    status_code = 401

    def __init__(self) -> None:
        super().__init__("your session has ended; please sign in again")


class UnknownDesk(NotFound):
    def __init__(self, code: str) -> None:
        super().__init__(f"desk {code!r}")


class InvalidOfficer(BadInput):
    pass
