"""A transfer waiting for an answer, as need to know sees it from the desk it is addressed to.

Its labels: the case's classification, read from the case whenever asked (raising the case
while the transfer waits raises the transfer with it), and the receiving nation as the only
reader. The case's release list lets other nations read the case, never see or answer a
transfer addressed to someone else. The sending desk reaches a transfer through its case only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false

from homeward.policy.binding import columns_clause
from homeward.policy.check import Principal, check
from homeward.policy.labels import HasLabels, Labels
from homeward.policy.roles import CASE_ACCEPT, may

ANSWER = CASE_ACCEPT
"""Seeing a transfer addressed to the desk, accepting it and refusing it: one permission."""


def labels(*, to_nation: str, case: HasLabels) -> Labels:
    return Labels(owner_nation=to_nation, classification=case.classification)


def require(principal: Principal, to_nation: str | None, case: HasLabels | None) -> None:
    """Forbidden for a role that never answers a transfer; NotFound for a transfer out of reach
    (missing, addressed elsewhere, or of a case above the officer's clearance)."""
    addressed = None
    if to_nation is not None and case is not None:
        addressed = labels(to_nation=to_nation, case=case)
    check(principal, ANSWER, addressed, "transfer")


def visible(principal: Principal, *, to_nation: Any, classification: Any) -> ColumnElement[bool]:
    """The same rule as `require`, as a WHERE clause over the transfer's addressee column and
    its case's classification column, so the list never shows what answering would refuse."""
    if not may(principal.role, ANSWER):
        return false()
    return columns_clause(to_nation, classification, None, principal.clearance, principal.nation)
