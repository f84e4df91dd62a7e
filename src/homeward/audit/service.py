"""Recording audit events, always inside the caller's transaction, and reading them back."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from homeward.audit import log
from homeward.audit.models import AuditEvent
from homeward.core.errors import BadInput, NotFound
from homeward.policy.check import Principal, require_permission
from homeward.policy.roles import AUDIT_READ

SYSTEM = "system"
CONTACT = "contact"


def record(
    *,
    session: Session,
    actor: str,
    action: str,
    resource_type: str,
    resource_id: str,
    nation: str | None = None,
    detail_digest: bytes | None = None,
) -> None:
    """Queue an entry on the caller's transaction: it is appended to the Merkle log when the
    transaction commits, and vanishes if it rolls back."""
    log.queue(
        session,
        {
            "actor": actor,
            "action": action,
            "resource_type": resource_type,
            "resource_id": resource_id,
            "nation": nation,
            "detail_digest": detail_digest,
        },
    )


def entries(
    *, session: Session, resource_id: str | None = None, action: str | None = None
) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.leaf_index)
    if resource_id is not None:
        query = query.where(AuditEvent.resource_id == resource_id)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return list(session.scalars(query))


PAGE_SIZE = 100


def visible_entries(
    *,
    session: Session,
    principal: Principal,
    resource_id: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    page: int = 1,
) -> tuple[list[AuditEvent], int]:
    """Entries an auditor may see: those about the auditor's own nation, newest first."""
    require_permission(principal, AUDIT_READ)
    if page < 1:
        raise BadInput("page", "must be 1 or more")
    where = [AuditEvent.nation == principal.nation]
    if resource_id:
        where.append(AuditEvent.resource_id == resource_id.strip())
    if actor:
        where.append(AuditEvent.actor == actor.strip())
    if action:
        where.append(AuditEvent.action == action.strip())
    total = int(session.scalar(select(func.count(AuditEvent.id)).where(*where)) or 0)
    rows = session.scalars(
        select(AuditEvent)
        .where(*where)
        .order_by(AuditEvent.leaf_index.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return list(rows), total


def visible_entry(*, session: Session, principal: Principal, leaf_index: int) -> AuditEvent:
    require_permission(principal, AUDIT_READ)
    entry = session.scalar(select(AuditEvent).where(AuditEvent.leaf_index == leaf_index))
    if entry is None or entry.nation != principal.nation:
        raise NotFound("audit entry")
    return entry


SIGNIN_ACTIONS = "officer:signin:"


def signin_entries(
    *, session: Session, principal: Principal, refused_only: bool = False, limit: int = 50
) -> list[AuditEvent]:
    """Recent officer sign-ins, newest first: those of the auditor's nation's officers, and
    refusals for usernames that name no officer (they belong to no nation, and a spray across
    made-up names must be seen by somebody)."""
    require_permission(principal, AUDIT_READ)
    prefix = SIGNIN_ACTIONS + ("refuse-" if refused_only else "")
    rows = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.action.startswith(prefix, autoescape=True),
            (AuditEvent.nation == principal.nation) | AuditEvent.nation.is_(None),
        )
        .order_by(AuditEvent.leaf_index.desc())
        .limit(limit)
    )
    return list(rows)


def recent_entries(
    *, session: Session, principal: Principal, actions: tuple[str, ...], limit: int = 10
) -> list[AuditEvent]:
    """The latest entries of these actions about the auditor's nation (the start page's
    recent reads of sealed content)."""
    require_permission(principal, AUDIT_READ)
    rows = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.nation == principal.nation, AuditEvent.action.in_(actions))
        .order_by(AuditEvent.leaf_index.desc())
        .limit(limit)
    )
    return list(rows)
