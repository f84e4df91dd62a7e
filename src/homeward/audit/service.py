"""Recording audit events, always inside the caller's transaction, and reading them back."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from homeward.audit import log
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
