"""The way home's routes (passage pages and API) are covered, row by row and persona by
persona, by tests/passage/test_authorization.py; the app-wide walk in test_authorization.py
leaves them to it."""

from __future__ import annotations

PASSAGE_PREFIXES = (
    "/officer/passage",
    "/api/v1/passage",
    "/officer/cases/{case_id}/plans",
    "/api/v1/cases/{case_id}/plans",
)


OTHERS = ("/handover", "/custody")
"""Handovers and custody under the same prefixes have rows of their own elsewhere."""


def is_passage_route(template: str) -> bool:
    return template.startswith(PASSAGE_PREFIXES) and not any(part in template for part in OTHERS)
