"""The handover's and custody chain's routes (pages and API) are covered, row by row and
persona by persona, by tests/passage/test_handover_authorization.py; the app-wide walk in
test_authorization.py leaves them to it."""

from __future__ import annotations

PARTS = ("/handover", "/custody")


def is_handover_route(template: str) -> bool:
    return any(part in template for part in PARTS)
