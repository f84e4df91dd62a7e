"""Errors of the cases capability."""

from __future__ import annotations

from homeward.core.errors import Forbidden, HomewardError


class TransitionNotAllowed(HomewardError):
    """No such move from this stage: the reason says which moves exist."""

    status_code = 409


class TransitionForbidden(Forbidden):
    """The move exists, but not for this role."""


class TransferConflict(HomewardError):
    status_code = 409
