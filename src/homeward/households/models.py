"""Household links and best-interests assessments.

A link between two cases is stored as two rows, one per side: the row `case_id -> member_case_id`
shows the member to whoever reads `case_id`'s household, and carries the *member's* case labels.
So the one policy binding shows a row only where the member's case is visible; the household
query also joins both cases (the binding filters those too), so a row shows only where both
cases are visible. No member whose case the officer cannot open is ever shown or hinted at, and
each row follows its member's case when that case's protection or owner changes (follow.py).

A best-interests assessment of a child is tier 1: its outcome is encrypted under a content key
of its own, sealed to the owning desk's key like a case note. It carries its case's labels and
goes to no other nation.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from homeward.core.db import Base, new_id, utcnow
from homeward.policy import roles
from homeward.policy.labels import Labelled

RELATIONSHIPS = ("spouse", "child", "parent", "sibling")
"""What the member is to the case whose household it is shown in."""
INVERSE = {"spouse": "spouse", "child": "parent", "parent": "child", "sibling": "sibling"}
BASES = ("stated", "documented", "verified")
"""How the link is known: someone said so; a document shows it; an officer checked it."""


class HouseholdLink(Labelled, Base):
    """One side of a link: `member_case_id` as seen from `case_id` (labels of the member)."""

    __tablename__ = "household_link"
    __read_permission__ = roles.HOUSEHOLD_READ
    __table_args__ = (UniqueConstraint("case_id", "member_case_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    link_id: Mapped[str] = mapped_column(String(32), index=True)
    """The same for both sides of one link."""
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    member_case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    relation: Mapped[str] = mapped_column(String(12))
    """One of RELATIONSHIPS: what the member is to `case_id`."""
    basis: Mapped[str] = mapped_column(String(12))
    recorded_by: Mapped[str] = mapped_column(ForeignKey("officer.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class BestInterests(Labelled, Base):
    """A child's best-interests assessment: who, when, and the outcome (sealed)."""

    __tablename__ = "best_interests"
    __read_permission__ = roles.BEST_INTERESTS_READ

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    author_id: Mapped[str] = mapped_column(ForeignKey("officer.id"))
    assessed_at: Mapped[datetime] = mapped_column(default=utcnow)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    """The outcome, under the content key sealed in the wraps."""

    wraps: Mapped[list[BestInterestsWrap]] = relationship(cascade="all, delete-orphan")


class BestInterestsWrap(Base):
    """The assessment's content key sealed to one key of the owning desk."""

    __tablename__ = "best_interests_wrap"

    assessment_id: Mapped[str] = mapped_column(ForeignKey("best_interests.id"), primary_key=True)
    desk_key_id: Mapped[str] = mapped_column(ForeignKey("desk_key.id"), primary_key=True)
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)
