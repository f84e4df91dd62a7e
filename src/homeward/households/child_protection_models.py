"""A child's handover to a civilian child-protection actor, confirmed twice.

The owning desk records the handover of a child's case to a named organisation (a UNICEF-
supported partner, a national child-protection service), with when it is planned. The owning
desk and the coordination cell (whose officer physically hands the child over) each confirm,
independently, that it happened or that it did not. The organisation, its contact and place,
and what each side says beyond yes or no (when, received by whom, a note) are tier 1: sealed to
the owning desk and the cell. The planned time, the state and who confirmed are in clear. The
record carries the case's labels with the cell on the release list, so the one policy binding
shows it to the owning desk and the cell (follow.py keeps it in step with its case).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from homeward.core.db import Base, new_id, utcnow
from homeward.policy import roles
from homeward.policy.labels import Labelled

PENDING, CONFIRMED, DISPUTED, NOT_HAPPENED = "pending", "confirmed", "disputed", "not_happened"
"""The handover's state: waiting for a side, both said it happened, they disagree (flagged
until a side revises), both said it did not (the desk may then record a new one)."""
DESK, CELL = "desk", "cell"
"""The two sides that confirm: the owning desk and the coordination cell."""


class ChildProtectionHandover(Labelled, Base):
    """The handover of one child's case to a child-protection organisation."""

    __tablename__ = "child_protection_handover"
    __read_permission__ = roles.CHILD_PROTECTION_READ

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    cell_nation: Mapped[str] = mapped_column(String(3))
    """The coordination cell that hands the child over and confirms the receiving side."""
    state: Mapped[str] = mapped_column(String(12), index=True)
    planned_at: Mapped[datetime] = mapped_column()
    body: Mapped[bytes] = mapped_column(LargeBinary)
    """The organisation, its contact and the place, as JSON under a content key in the wraps."""
    recorded_by: Mapped[str] = mapped_column(ForeignKey("officer.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    arrived_at: Mapped[datetime | None] = mapped_column(default=None)
    """When the child arrived home, by the owning desk's word (the case is then repatriated)."""
    arrival_by: Mapped[str | None] = mapped_column(ForeignKey("officer.id"), default=None)

    wraps: Mapped[list[ChildProtectionWrap]] = relationship(cascade="all, delete-orphan")
    confirmations: Mapped[list[ChildProtectionConfirmation]] = relationship(
        order_by="ChildProtectionConfirmation.confirmed_at", cascade="all, delete-orphan"
    )


class ChildProtectionWrap(Base):
    """The handover's content key sealed to one desk key (the owning desk's, the cell's)."""

    __tablename__ = "child_protection_wrap"

    handover_id: Mapped[str] = mapped_column(
        ForeignKey("child_protection_handover.id"), primary_key=True
    )
    desk_key_id: Mapped[str] = mapped_column(ForeignKey("desk_key.id"), primary_key=True)
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)


class ChildProtectionConfirmation(Base):
    """One side's word. A side revises only a disputed handover, by a new row; the old one is
    kept, superseded."""

    __tablename__ = "child_protection_confirmation"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    handover_id: Mapped[str] = mapped_column(ForeignKey("child_protection_handover.id"), index=True)
    side: Mapped[str] = mapped_column(String(4))
    """`desk` or `cell`."""
    officer_id: Mapped[str] = mapped_column(ForeignKey("officer.id"))
    happened: Mapped[bool] = mapped_column(Boolean)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    """When, received by whom at the organisation, and a note, sealed in the wraps."""
    confirmed_at: Mapped[datetime] = mapped_column(default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(default=None)

    wraps: Mapped[list[ChildProtectionConfirmationWrap]] = relationship(
        cascade="all, delete-orphan"
    )


class ChildProtectionConfirmationWrap(Base):
    __tablename__ = "child_protection_confirmation_wrap"

    confirmation_id: Mapped[str] = mapped_column(
        ForeignKey("child_protection_confirmation.id"), primary_key=True
    )
    desk_key_id: Mapped[str] = mapped_column(ForeignKey("desk_key.id"), primary_key=True)
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)
