"""Need to know for compartmented records (debrief reports): the label rule, and also the roles
the owner opened the record to and every handling caveat it carries.

`allows` decides for one record; `clause` is the same rule as SQL (the binding attaches it to
every query over a model that names `__policy_clause__`), so a list never shows what opening
would refuse. Roles and caveats are stored as ',A,B,' like a release list; a record's caveats
are all held when removing each held one from its list leaves nothing, which needs no
vocabulary: a caveat unknown to the officer always hides the record.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, false, func

from homeward.policy.binding import labels_clause
from homeward.policy.check import Principal
from homeward.policy.check import allows as label_allows
from homeward.policy.labels import decode_release, encode_release
from homeward.policy.roles import may


class Compartmented(Protocol):
    """A labelled record with the roles that may read it and the caveats it carries."""

    @property
    def owner_nation(self) -> str: ...

    @property
    def classification(self) -> int: ...

    @property
    def release_list(self) -> list[str]: ...

    @property
    def reader_roles(self) -> str: ...

    @property
    def caveats(self) -> str: ...


def encode(words: list[str] | tuple[str, ...] | set[str] | frozenset[str]) -> str:
    """',A,B,' (sorted, upper case): one LIKE finds a word on SQLite and PostgreSQL alike."""
    return encode_release(set(words))


def decode(stored: str) -> list[str]:
    return decode_release(stored)


def encode_roles(roles: list[str] | tuple[str, ...] | set[str]) -> str:
    """Roles keep their lower case ('debriefer'), unlike nations and caveats."""
    cleaned = sorted({role.strip().lower() for role in roles if role.strip()})
    return "," + ",".join(cleaned) + "," if cleaned else ""


def allows(principal: Principal, permission: str, record: Compartmented) -> bool:
    if not label_allows(principal, permission, record):
        return False
    if f",{principal.role.value}," not in record.reader_roles:
        return False
    return set(decode(record.caveats)) <= principal.caveats


def clause(model: Any, principal: Any) -> ColumnElement[bool]:
    """`allows` (bar the permission, which the binding checks first) as a WHERE clause."""
    role = getattr(principal.role, "value", principal.role)
    remaining = model.caveats
    for caveat in sorted(getattr(principal, "caveats", frozenset())):
        remaining = func.replace(remaining, f",{caveat},", ",")
    return and_(
        labels_clause(model, principal.clearance, principal.nation),
        model.reader_roles.like(f"%,{role},%"),
        remaining.in_(("", ",")),
    )


def visible(principal: Principal, permission: str, model: Any) -> ColumnElement[bool]:
    if not may(principal.role, permission):
        return false()
    return clause(model, principal)
