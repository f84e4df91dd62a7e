"""The audit table. Insert-only: triggers refuse UPDATE and DELETE (see the migration)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from homeward.core.db import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))
    """`officer:<id>`, `contact` (never which one beyond the resource) or `system`."""
    action: Mapped[str] = mapped_column(String(80), index=True)
    resource_type: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[str] = mapped_column(String(64), index=True)
    nation: Mapped[str | None] = mapped_column(String(3))
    detail_digest: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    """Keyed hash of any personal detail; the detail itself stays in the encrypted records."""
