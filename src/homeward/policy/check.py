"""The one decision: may this officer do this action on this record?

`check` decides for one record; `visible` is the same rule as a SQL expression (the one the
binding attaches to every query over a labelled model), so a list never shows what opening the
record would refuse, and never hides what it would allow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false

from homeward.core.errors import Forbidden, NotFound
from homeward.policy.binding import labels_clause
from homeward.policy.labels import HasLabels
from homeward.policy.roles import Role, may


@dataclass(frozen=True)
class Principal:
    """Who is acting: an officer as the policy sees them (no secrets here)."""

    officer_id: str
    username: str
    role: Role
    nation: str
    clearance: int
    caveats: frozenset[str] = frozenset()
    """Handling caveats the officer holds (a debrief's ORCON...): every one a record carries."""

    @property
    def audit_name(self) -> str:
        return f"officer:{self.officer_id}"


def allows(principal: Principal, permission: str, record: HasLabels) -> bool:
    if not may(principal.role, permission):
        return False
    if principal.clearance < record.classification:
        return False
    return record.owner_nation == principal.nation or principal.nation in record.release_list


def require_permission(principal: Principal, permission: str) -> None:
    """The role may not do this at all: 403, whatever the record."""
    if not may(principal.role, permission):
        raise Forbidden(f"your role may not do {permission}")


def check(principal: Principal, permission: str, record: HasLabels | None, what: str) -> None:
    """Raise Forbidden for a role that may never do this, NotFound for a record out of reach."""
    require_permission(principal, permission)
    if record is None or not allows(principal, permission, record):
        raise NotFound(what)


def visible(principal: Principal, permission: str, model: Any) -> ColumnElement[bool]:
    """The same rule as `allows`, as a WHERE clause over any Labelled model."""
    if not may(principal.role, permission):
        return false()
    return labels_clause(model, principal.clearance, principal.nation)
