"""Screening: each instrument version as first used, and the assessments written against them.

An instrument's text is kept here once it is used, so an assessment is always shown with the
version it was written against, whatever files change later. An assessment's answers, and the
reviewer's reasons, are tier 1: encrypted under a content key of their own, sealed to the
owning desk's key like a case note. Its state and decision are in clear (the guard on `cleared`
reads them). It carries its case's owner and classification, so the one policy binding filters
every query over it; it goes to no other nation (a release with its lawful basis is for later).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from homeward.core.db import Base, new_id, utcnow
from homeward.policy import roles
from homeward.policy.labels import Labelled

DRAFT, SUBMITTED, REVIEWED = "draft", "submitted", "reviewed"
"""An assessment's state: being written, waiting for a reviewer, decided."""
ELIGIBLE, NOT_ELIGIBLE, REFER = "eligible", "not_eligible", "refer"
DECISIONS = (ELIGIBLE, NOT_ELIGIBLE, REFER)
"""Eligible for return; not eligible (with the reason); refer to the home nation's prosecutor."""
CLEARING = frozenset({ELIGIBLE, REFER})
"""The decisions that clear the case."""


class ScreeningInstrument(Base):
    """One version of an instrument, as its file read when first used (no person in it)."""

    __tablename__ = "screening_instrument"

    instrument: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    digest: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the text: a file changed under the same version is refused, not mixed in."""
    definition: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScreeningAssessment(Labelled, Base):
    """One officer's assessment of one case, and the second officer's decision on it."""

    __tablename__ = "screening_assessment"
    __read_permission__ = roles.SCREENING_READ
    __table_args__ = (
        ForeignKeyConstraint(
            ["instrument", "instrument_version"],
            ["screening_instrument.instrument", "screening_instrument.version"],
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    instrument: Mapped[str] = mapped_column(String(64))
    instrument_version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(12), index=True)
    author_id: Mapped[str] = mapped_column(ForeignKey("officer.id"))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    """The answers as JSON, under the content key sealed in the wraps."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    decision: Mapped[str | None] = mapped_column(String(12), default=None)
    reviewer_id: Mapped[str | None] = mapped_column(ForeignKey("officer.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    reasons: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    """The reviewer's reasons, under the same content key as the answers."""

    recorded: Mapped[ScreeningInstrument] = relationship()
    """The instrument version as recorded on first use."""
    wraps: Mapped[list[ScreeningAssessmentWrap]] = relationship(cascade="all, delete-orphan")


class ScreeningAssessmentWrap(Base):
    """The assessment's content key sealed to one key of the owning desk."""

    __tablename__ = "screening_assessment_wrap"

    assessment_id: Mapped[str] = mapped_column(
        ForeignKey("screening_assessment.id"), primary_key=True
    )
    desk_key_id: Mapped[str] = mapped_column(ForeignKey("desk_key.id"), primary_key=True)
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)
