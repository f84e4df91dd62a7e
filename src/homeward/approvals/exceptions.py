"""Errors of the approvals capability: each names what is wrong, and nothing was stored."""

from __future__ import annotations

from homeward.core.errors import BadInput


class ApprovalConflict(BadInput):
    """The two-person rule, or the request's or the case's state, refuses the step."""
