"""The one decision: may this officer do this action on this record?

`check` decides for one record; `visible` is the same rule as a SQL expression for lists, so a
list never shows what opening the record would refuse, and never hides what it would allow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_

from homeward.core.errors import Forbidden, NotFound
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


def labels_clause(model: Any, clearance: Any, nation: Any) -> ColumnElement[bool]:
    """Cleared to the level, and of the owning nation or on the release list."""
    owner, level, release = model.owner_nation, model.classification, model.release
    return columns_clause(owner, level, release, clearance, nation)


def columns_clause(
    owner: Any, classification: Any, release: Any | None, clearance: Any, nation: Any
) -> ColumnElement[bool]:
    """`allows` over label columns that need not sit on one model (a transfer's addressee and
    its case's level); `release` None where the record has no release list."""
    readers = owner == nation
    if release is not None:
        readers = or_(readers, release.like("%," + nation + ",%"))
    return and_(classification <= clearance, readers)
