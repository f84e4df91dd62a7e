"""Handovers confirmed twice and the custody chain after them.

A handover belongs to one approved plan: the receiving unit (an officer of the cell that runs
the point) and the owning desk each confirm, independently, that it happened or that it did not.
What each says beyond yes or no (when, who received, a note) is tier 1, sealed to the owning
desk and the cell like the plan. From the handover on, each change of who holds the person is
one custody entry; its kind and times are in clear (the chain's continuity is checked on them),
everything else (who holds him, who handed him over, where, why) is sealed to the owning desk.
Handovers and entries carry the case's labels, so the one policy binding filters them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from homeward.core.db import Base, new_id, utcnow
from homeward.policy import roles
from homeward.policy.labels import Labelled

PENDING, CONFIRMED, DISPUTED, NOT_HAPPENED = "pending", "confirmed", "disputed", "not_happened"
"""A handover's state: waiting for a side, both said it happened, they disagree (flagged until
a side revises), both said it did not."""
DESK, CELL = "desk", "cell"
"""The two sides that confirm: the owning desk and the receiving unit's cell."""

SCREENING, HOME_OFFICERS, JOURNEY, ARRIVAL = (
    "screening_facility",
    "home_nation_officers",
    "journey_home",
    "arrival",
)
CUSTODY_KINDS = (SCREENING, HOME_OFFICERS, JOURNEY, ARRIVAL)
"""What a custody entry records: a screening facility, the home nation's officers, the flight
or crossing home, the arrival (which ends the chain)."""


class Handover(Labelled, Base):
    """The handover of one plan, with the state its two sides' confirmations give it."""

    __tablename__ = "handover"
    __read_permission__ = roles.PLAN_READ
    __table_args__ = (UniqueConstraint("plan_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    plan_id: Mapped[str] = mapped_column(ForeignKey("passage_plan.id"))
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    point_id: Mapped[str] = mapped_column(ForeignKey("handover_point.id"), index=True)
    state: Mapped[str] = mapped_column(String(12), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    confirmations: Mapped[list[HandoverConfirmation]] = relationship(
        order_by="HandoverConfirmation.confirmed_at", cascade="all, delete-orphan"
    )


class HandoverConfirmation(Base):
    """One side's word. A side revises only a disputed handover, by a new row; the old one is
    kept, superseded."""

    __tablename__ = "handover_confirmation"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    handover_id: Mapped[str] = mapped_column(ForeignKey("handover.id"), index=True)
    side: Mapped[str] = mapped_column(String(4))
    """`desk` or `cell`."""
    officer_id: Mapped[str] = mapped_column(ForeignKey("officer.id"))
    happened: Mapped[bool] = mapped_column(Boolean)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    """When, who received and a note, as JSON under a content key sealed in the wraps."""
    confirmed_at: Mapped[datetime] = mapped_column(default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(default=None)

    wraps: Mapped[list[HandoverConfirmationWrap]] = relationship(cascade="all, delete-orphan")


class HandoverConfirmationWrap(Base):
    __tablename__ = "handover_confirmation_wrap"

    confirmation_id: Mapped[str] = mapped_column(
        ForeignKey("handover_confirmation.id"), primary_key=True
    )
    desk_key_id: Mapped[str] = mapped_column(ForeignKey("desk_key.id"), primary_key=True)
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)


class CustodyEntry(Labelled, Base):
    """One link of the chain: who held the person from `starts_at` to `ends_at` (None while
    he is held there now). `position` counts from 1; the unique pair makes two officers
    appending at once collide rather than fork the chain."""

    __tablename__ = "custody_entry"
    __read_permission__ = roles.CASE_READ
    __table_args__ = (UniqueConstraint("case_id", "position"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    handover_id: Mapped[str] = mapped_column(ForeignKey("handover.id"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(24))
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime | None] = mapped_column(default=None)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    """Held by, received from, place and reason, as JSON sealed to the owning desk."""
    confirmed_by: Mapped[str] = mapped_column(ForeignKey("officer.id"))
    confirmed_nation: Mapped[str] = mapped_column(String(3))
    """The confirming officer's desk: an arrival counts for `repatriated` only from home."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    wraps: Mapped[list[CustodyEntryWrap]] = relationship(cascade="all, delete-orphan")


class CustodyEntryWrap(Base):
    __tablename__ = "custody_entry_wrap"

    entry_id: Mapped[str] = mapped_column(ForeignKey("custody_entry.id"), primary_key=True)
    desk_key_id: Mapped[str] = mapped_column(ForeignKey("desk_key.id"), primary_key=True)
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)
