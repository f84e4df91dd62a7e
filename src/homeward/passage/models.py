"""Handover points, their calendar and the plans that book it.

A point, its hours and closures are the coordination cell's operational facts, in clear: no
person is in them. A plan's point, window and status are in clear (the calendar counts them);
everything else a plan says is tier 1, sealed to the owning desk and to the cell that runs the
point, like a letter. A plan carries its case's labels, so the one policy binding filters it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from homeward.core.db import Base, new_id, utcnow
from homeward.policy import roles
from homeward.policy.labels import Labelled

DEFAULT_TIME_ZONE = "Asia/Baghdad"
BOOKED, APPROVED, CANCELLED = "booked", "approved", "cancelled"
"""A plan's status: booked, approved as it stands (see approvals.py), or called off."""


class HandoverPoint(Base):
    """A named crossing or facility, at the coarse level the programme needs (a district,
    never coordinates), run by one coordination cell."""

    __tablename__ = "handover_point"
    __table_args__ = (
        UniqueConstraint("name"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("window_minutes > 0", name="window_positive"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(80))
    area: Mapped[str] = mapped_column(String(80))
    """A district name: where, at the level a plan needs and no finer."""
    cell_nation: Mapped[str] = mapped_column(ForeignKey("desk.code"), index=True)
    """The coordination cell that runs the point, receives the person and reads its plans."""
    time_zone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIME_ZONE)
    """The IANA zone the opening hours are in; every instant is stored in UTC."""
    capacity: Mapped[int] = mapped_column(Integer)
    """How many people one window can receive."""
    window_minutes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    units: Mapped[list[HandoverUnit]] = relationship(
        order_by="HandoverUnit.name", cascade="all, delete-orphan"
    )
    hours: Mapped[list[HandoverHours]] = relationship(
        order_by="(HandoverHours.weekday, HandoverHours.opens_minute)",
        cascade="all, delete-orphan",
    )
    closures: Mapped[list[HandoverClosure]] = relationship(
        order_by="HandoverClosure.first_day", cascade="all, delete-orphan"
    )


class HandoverUnit(Base):
    """A receiving unit that operates the point."""

    __tablename__ = "handover_unit"

    point_id: Mapped[str] = mapped_column(ForeignKey("handover_point.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(80), primary_key=True)


class HandoverHours(Base):
    """One opening interval on one weekday, in the point's local wall-clock time."""

    __tablename__ = "handover_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint(
            "opens_minute >= 0 AND closes_minute <= 1440 AND opens_minute < closes_minute",
            name="interval",
        ),
    )

    point_id: Mapped[str] = mapped_column(ForeignKey("handover_point.id"), primary_key=True)
    weekday: Mapped[int] = mapped_column(Integer, primary_key=True)
    """0 is Monday, as Python's `date.weekday()`."""
    opens_minute: Mapped[int] = mapped_column(Integer, primary_key=True)
    """Minutes after local midnight."""
    closes_minute: Mapped[int] = mapped_column(Integer)
    """Minutes after local midnight; 1440 is the next midnight."""


class HandoverClosure(Base):
    """Local dates (first to last, inclusive) on which the point receives nobody, and why."""

    __tablename__ = "handover_closure"
    __table_args__ = (CheckConstraint("first_day <= last_day", name="range"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    point_id: Mapped[str] = mapped_column(ForeignKey("handover_point.id"), index=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(ForeignKey("officer.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class HandoverWindow(Base):
    """The booking counter of one window at one point. A place is taken only by one upsert
    (`INSERT ... ON CONFLICT DO UPDATE SET booked = booked + 1 WHERE booked < capacity`), so
    the database, not Python, decides who gets the last place when two officers book at once."""

    __tablename__ = "handover_window"
    __table_args__ = (CheckConstraint("booked >= 0", name="booked_not_negative"),)

    point_id: Mapped[str] = mapped_column(ForeignKey("handover_point.id"), primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(primary_key=True)
    ends_at: Mapped[datetime] = mapped_column()
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)


class PassagePlan(Labelled, Base):
    """One booked window for one case. `body` is the sealed details; `authors` every officer
    who wrote a version (none of them may approve it)."""

    __tablename__ = "passage_plan"
    __read_permission__ = roles.PLAN_READ
    __table_args__ = (Index("ix_passage_plan_window", "point_id", "window_starts_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    point_id: Mapped[str] = mapped_column(ForeignKey("handover_point.id"))
    window_starts_at: Mapped[datetime] = mapped_column()
    window_ends_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(12), index=True)
    """`booked`, `approved` or `cancelled`."""
    body: Mapped[bytes] = mapped_column(LargeBinary)
    """The details as JSON, encrypted under a content key of their own (sealed in the wraps)."""
    authors: Mapped[str] = mapped_column(String(400))
    """`,officer-id,officer-id,`: who wrote any version of the plan."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    point: Mapped[HandoverPoint] = relationship()
    wraps: Mapped[list[PassagePlanWrap]] = relationship(cascade="all, delete-orphan")
    approvals: Mapped[list[PassagePlanApproval]] = relationship(
        order_by="PassagePlanApproval.approved_at", cascade="all, delete-orphan"
    )


class PassagePlanWrap(Base):
    """The plan's content key sealed to one desk key (the owner's, the cell's)."""

    __tablename__ = "passage_plan_wrap"

    plan_id: Mapped[str] = mapped_column(ForeignKey("passage_plan.id"), primary_key=True)
    desk_key_id: Mapped[str] = mapped_column(ForeignKey("desk_key.id"), primary_key=True)
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)


class PassagePlanApproval(Base):
    """A supervisor's approval of exactly one version: `content_hash` binds it to the sealed
    details, the point and the window; a change voids it (and says so)."""

    __tablename__ = "passage_plan_approval"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    plan_id: Mapped[str] = mapped_column(ForeignKey("passage_plan.id"), index=True)
    approver_id: Mapped[str] = mapped_column(ForeignKey("officer.id"))
    content_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    approved_at: Mapped[datetime] = mapped_column(default=utcnow)
    voided_at: Mapped[datetime | None] = mapped_column(default=None)
    voided_by: Mapped[str | None] = mapped_column(ForeignKey("officer.id"), default=None)
    void_reason: Mapped[str | None] = mapped_column(String(40), default=None)
    """`plan changed` or `plan cancelled`: never free text (it is in clear)."""
