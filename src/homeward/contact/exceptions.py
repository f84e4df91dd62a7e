"""Errors of the contact channel. Their messages are safe to show to a contact."""

from __future__ import annotations

from homeward.core.errors import BadInput, HomewardError


class CodenameRefused(HomewardError):
    """Unknown, mistyped or deleted: one answer for all."""

    def __init__(self) -> None:
        super().__init__("codename not recognised")


class EmptyMessage(BadInput):
    def __init__(self) -> None:
        super().__init__("message", "it is empty; write something before sending")


class MessageTooLong(BadInput):
    def __init__(self, max_chars: int) -> None:
        super().__init__("message", f"it is longer than {max_chars} characters")
        self.max_chars = max_chars


class CodenameInMessage(BadInput):
    def __init__(self) -> None:
        super().__init__(
            "message", "it contains your codename; remove it, your codename must stay secret"
        )
