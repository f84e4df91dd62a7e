"""The list filter attached to every query, so no code path can forget it.

Every labelled model is protected from the moment its class exists (`labels.Labelled`
registers it here with the read permission it names), and importing the labels module
registers the listener below: importing any model is enough for the guard to hold.

A service binds the acting officer to its database session; from then on every ORM SELECT
that touches a protected model gets the label rule as loader criteria (joins, relationship
loads and `session.get` included). A SELECT on a protected model with no officer bound is
refused, unless the session was marked as system work (migrations, benchmarks, maintenance).

This module sits lowest in policy (it imports only roles), so that the labels module can
import it without a cycle; the SQL form of the label rule lives here for the same reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, event, false, or_
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.util import find_tables

from homeward.core.errors import HomewardError
from homeward.policy.roles import may

PRINCIPAL_KEY = "homeward.policy.principal"
SYSTEM_KEY = "homeward.policy.system"
_PROTECTED: dict[type[Any], str] = {}


class Reader(Protocol):
    """What the filter decides by (`check.Principal` is one)."""

    @property
    def role(self) -> str: ...

    @property
    def nation(self) -> str: ...

    @property
    def clearance(self) -> int: ...


class UnboundQuery(HomewardError):
    """A protected table was queried with nobody to decide for: a bug, refused loudly."""


def protect(model: type[Any], permission: str) -> None:
    """Every SELECT over `model` is filtered by `permission` for the bound officer. Called by
    `Labelled` when a labelled class is created; nothing else needs to."""
    _PROTECTED[model] = permission


def protected() -> dict[type[Any], str]:
    """Every protected model with its read permission (for tests and checks)."""
    return dict(_PROTECTED)


def bind(session: Session, principal: Reader) -> None:
    session.info[PRINCIPAL_KEY] = principal


def as_system(session: Session, why: str) -> None:
    """Unfiltered access for work no officer does (say why; it is kept on the session)."""
    session.info[SYSTEM_KEY] = why


def labels_clause(model: Any, clearance: Any, nation: Any) -> ColumnElement[bool]:
    """Cleared to the level, and of the owning nation or on the release list."""
    owner, level, release = model.owner_nation, model.classification, model.release
    return columns_clause(owner, level, release, clearance, nation)


def columns_clause(
    owner: Any, classification: Any, release: Any | None, clearance: Any, nation: Any
) -> ColumnElement[bool]:
    """`check.allows` over label columns that need not sit on one model (a transfer's
    addressee and its case's level); `release` None where the record has no release list."""
    readers = owner == nation
    if release is not None:
        readers = or_(readers, release.like("%," + nation + ",%"))
    return and_(classification <= clearance, readers)


@event.listens_for(Session, "do_orm_execute")
def _attach_criteria(state: ORMExecuteState) -> None:
    if not state.is_select or not _PROTECTED:
        return
    touched = _touched(state)
    protected_here = [model for model in _PROTECTED if model in touched]
    if not protected_here:
        return
    principal: Reader | None = state.session.info.get(PRINCIPAL_KEY)
    if principal is None:
        if state.session.info.get(SYSTEM_KEY):
            return
        names = ", ".join(model.__tablename__ for model in protected_here)
        raise UnboundQuery(f"query on {names} with no officer bound")
    for model in protected_here:
        state.statement = state.statement.options(_criteria(model, principal, _PROTECTED[model]))


def _touched(state: ORMExecuteState) -> set[type[Any]]:
    """The mapped classes the SELECT reads: its entities, and also those that appear only in
    its FROM (`select(func.count()).select_from(Case)` names no entity, yet counts cases)."""
    touched = {mapper.class_ for mapper in state.all_mappers}
    statement = state.statement
    if not isinstance(statement, ClauseElement):
        return touched
    for table in find_tables(
        statement, include_joins=True, include_aliases=True, include_selects=True
    ):
        entity = table._annotations.get("parententity")  # the ORM's mark on an entity's table
        if entity is not None:
            touched.add(entity.class_)
    return touched


def _criteria(model: type[Any], principal: Reader, permission: str) -> Any:
    """The label rule as loader criteria. The lambda sees only plain values, which SQLAlchemy
    turns into bound parameters, so the statement's shape is cached once."""
    if not may(principal.role, permission):
        return with_loader_criteria(model, lambda _cls: false(), include_aliases=True)
    stricter = getattr(model, "__policy_clause__", None)
    if stricter is not None:
        # A compartmented model (a debrief: roles and caveats too) builds its whole rule; its
        # shape depends on the officer's caveats, so it is a plain expression, not a lambda.
        return with_loader_criteria(model, stricter(principal), include_aliases=True)
    clearance, nation = principal.clearance, principal.nation
    return with_loader_criteria(
        model,
        lambda cls: labels_clause(cls, clearance, nation),
        include_aliases=True,
        track_closure_variables=True,
    )


@contextmanager
def unfiltered(session: Session, why: str) -> Iterator[None]:
    """Lift the filter for one narrow step that the caller has already authorised itself
    (accepting a transfer addressed to the officer's desk loads a case it cannot see yet; a
    contact reaches the conversation of the codename that opened the session)."""
    principal = session.info.pop(PRINCIPAL_KEY, None)
    previous = session.info.get(SYSTEM_KEY)
    session.info[SYSTEM_KEY] = why
    try:
        yield
    finally:
        if previous is None:
            session.info.pop(SYSTEM_KEY, None)
        else:
            session.info[SYSTEM_KEY] = previous
        if principal is not None:
            session.info[PRINCIPAL_KEY] = principal
