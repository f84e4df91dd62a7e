"""Errors of the passage capability: each names what is wrong, and nothing was stored."""

from __future__ import annotations

from homeward.core.errors import BadInput


class BookingRefused(BadInput):
    """The calendar refuses this window: past, closed, outside hours, or an overlap."""


class WindowFull(BookingRefused):
    """Every place of the window is taken (the database said so, not a Python count)."""


class ApprovalRefused(BadInput):
    """The approval breaks the two-person rule, or the plan cannot be approved as it is."""


class PlanSettled(BadInput):
    """A side has given its word on the plan's handover: the plan is a record now, and is no
    longer changed or called off (only one both sides say did not happen is cancelled)."""
