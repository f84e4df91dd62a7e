"""Errors of the accounts capability."""

from __future__ import annotations

from homeward.core.errors import BadInput, HomewardError, NotFound


class SignInRefused(HomewardError):
    """Wrong username, password or code: one message for all, so none is confirmed."""

    def __init__(self) -> None:
        super().__init__("sign-in refused: check the username, password and code")


class SessionExpired(HomewardError):
    def __init__(self) -> None:
        super().__init__("your session has ended; please sign in again")


class UnknownDesk(NotFound):
    def __init__(self, code: str) -> None:
        super().__init__(f"desk {code!r}")


class InvalidOfficer(BadInput):
    pass


class SignInWait(HomewardError):
    """Too many failed sign-ins for this username (known or not, alike): nothing was checked.
    Saying so helps the real officer and reveals nothing, as unknown usernames lock the same."""

    def __init__(self, wait: str) -> None:
        super().__init__(f"too many failed sign-ins for this username: try again in {wait}")


class SignInCeiling(HomewardError):
    """Too many failed sign-ins on the whole server (a spray): nothing was checked."""

    def __init__(self, wait: str) -> None:
        super().__init__(f"too many failed sign-ins on this server: try again in {wait}")
