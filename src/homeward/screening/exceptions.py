"""Errors of the screening capability: each names what is wrong, and nothing was stored."""

from __future__ import annotations

from homeward.core.errors import BadInput


class AssessmentLocked(BadInput):
    """Only its author changes or submits a draft; a submitted assessment is kept as it is."""


class ReviewRefused(BadInput):
    """The review breaks the two-person rule, or the assessment or case is not ready for it."""
