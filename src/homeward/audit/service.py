"""Recording audit events, always inside the caller's transaction."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from homeward.audit.models import AuditEvent

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
) -> AuditEvent:
    """Add an entry to the caller's transaction: it commits or rolls back with the change."""
    event = AuditEvent(
        actor=actor,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        nation=nation,
        detail_digest=detail_digest,
    )
    session.add(event)
    return event


def entries(
    *, session: Session, resource_id: str | None = None, action: str | None = None
) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    if resource_id is not None:
        query = query.where(AuditEvent.resource_id == resource_id)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return list(session.scalars(query))
