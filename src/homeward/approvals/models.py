"""Approvals: one officer asks for a step on a case, a supervisor of the desk who did not ask
approves or refuses it.

The request's and the decision's comments are tier 1: encrypted under a content key of their
own, sealed to the owning desk's key like a case note (a reason for closing a case says things
about the person). Kind, state and who asked or decided are in clear: the queue sorts and the
guard reads them. An approval carries its case's labels, so the one policy binding filters
every query over it, and it follows the case (follow.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from homeward.core.db import Base, new_id, utcnow
from homeward.policy import roles
from homeward.policy.labels import Labelled

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
CLOSE = "close"
KINDS = (CLOSE,)
"""What may be asked: closing a case (`repatriated` -> `closed`)."""


class Approval(Labelled, Base):
    """One request for a step on one case, and the supervisor's answer."""

    __tablename__ = "approval"
    __read_permission__ = roles.APPROVAL_READ

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    state: Mapped[str] = mapped_column(String(12), index=True)
    requested_by: Mapped[str] = mapped_column(ForeignKey("officer.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    request_comment: Mapped[bytes] = mapped_column(LargeBinary)
    """The requester's comment, under the content key sealed in the wraps."""
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("officer.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decision_comment: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    """The supervisor's comment, under the same content key."""

    wraps: Mapped[list[ApprovalWrap]] = relationship(cascade="all, delete-orphan")


class ApprovalWrap(Base):
    """The approval's content key sealed to one key of the owning desk."""

    __tablename__ = "approval_wrap"

    approval_id: Mapped[str] = mapped_column(ForeignKey("approval.id"), primary_key=True)
    desk_key_id: Mapped[str] = mapped_column(ForeignKey("desk_key.id"), primary_key=True)
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)
