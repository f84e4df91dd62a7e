"""The list filter attached to every query, so no code path can forget it.

A service binds the acting officer to its database session; from then on every ORM SELECT
that touches a protected model gets `check.visible` as loader criteria (joins, relationship
loads and `session.get` included). A SELECT on a protected model with no officer bound is
refused, unless the session was marked as system work (migrations, benchmarks, maintenance).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, false
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from homeward.core.errors import HomewardError
from homeward.policy.check import Principal, labels_clause
from homeward.policy.roles import may

PRINCIPAL_KEY = "homeward.policy.principal"
SYSTEM_KEY = "homeward.policy.system"
_PROTECTED: dict[type[Any], str] = {}


class UnboundQuery(HomewardError):
    """A protected table was queried with nobody to decide for: a bug, refused loudly."""

    status_code = 500


def protect(model: type[Any], permission: str) -> None:
    """Every SELECT over `model` is filtered by `permission` for the bound officer."""
    _PROTECTED[model] = permission


def bind(session: Session, principal: Principal) -> None:
    session.info[PRINCIPAL_KEY] = principal


def as_system(session: Session, why: str) -> None:
    """Unfiltered access for work no officer does (say why; it is kept on the session)."""
    session.info[SYSTEM_KEY] = why


@event.listens_for(Session, "do_orm_execute")
def _attach_criteria(state: ORMExecuteState) -> None:
    if not state.is_select or not _PROTECTED:
        return
    touched = {mapper.class_ for mapper in state.all_mappers}
    protected = [model for model in _PROTECTED if model in touched]
    if not protected:
        return
    principal: Principal | None = state.session.info.get(PRINCIPAL_KEY)
    if principal is None:
        if state.session.info.get(SYSTEM_KEY):
            return
        names = ", ".join(model.__tablename__ for model in protected)
        raise UnboundQuery(f"query on {names} with no officer bound")
    for model in protected:
        state.statement = state.statement.options(_criteria(model, principal, _PROTECTED[model]))


def _criteria(model: type[Any], principal: Principal, permission: str) -> Any:
    """check.visible as loader criteria. The lambda sees only plain values, which SQLAlchemy
    turns into bound parameters, so the statement's shape is cached once."""
    if not may(principal.role, permission):
        return with_loader_criteria(model, lambda _cls: false(), include_aliases=True)
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
    (accepting a transfer addressed to the officer's desk loads a case it cannot see yet)."""
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
