"""Errors of the cases capability."""

from __future__ import annotations

from homeward.core.errors import Forbidden, HomewardError


class TransitionNotAllowed(HomewardError):
    """No such move from this stage: the reason says which moves exist."""


class TransitionForbidden(Forbidden):
    """The move exists, but not for this role."""


class TransferConflict(HomewardError):
    """The transfer was already answered, or another one is pending."""
