"""Errors of the contact channel. Their messages are safe to show to a contact."""

from __future__ import annotations

from homeward.core.errors import BadInput, HomewardError


class CodenameRefused(HomewardError):
    """Unknown, mistyped or deleted: one answer for all."""

    status_code = 401

    def __init__(self) -> None:
        super().__init__("codename not recognised")


class CodenameInMessage(BadInput):
    def __init__(self) -> None:
        super().__init__(
            "message", "it contains your codename; remove it, your codename must stay secret"
        )
