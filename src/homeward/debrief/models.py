"""Debrief reports, the key wraps of their sealed bodies, and the release decisions.

A report carries its own labels (owner nation, classification, release list) and also the
roles its owner opens it to and its handling caveats, all in clear for the policy; the body
(subject, sections, free text) is tier 1: encrypted under a content key of its own, sealed to
the debrief compartment key of the owner nation and of each released nation (`accounts`
`CompartmentKey`, held only by officers whose role reads debriefs, not by everyone with the
desk key). The title is tier 2 so lists can show it without a key. A
sanitised report names its source; an imported one names the partner that signed it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from homeward.core.db import Base, new_id, utcnow
from homeward.policy import compartments, roles
from homeward.policy.labels import Labelled

WIDEN, NARROW = "widen", "narrow"
"""A release decision adds nations (with a basis) or removes them."""
WRITTEN, SANITISED, IMPORTED = "written", "sanitised", "imported"
"""Where a report comes from."""


class DebriefReport(Labelled, Base):
    """One debrief session's report on a case."""

    __tablename__ = "debrief_report"
    __read_permission__ = roles.DEBRIEF_READ
    __policy_clause__ = classmethod(compartments.clause)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    origin: Mapped[str] = mapped_column(String(12), default=WRITTEN)
    source_id: Mapped[str | None] = mapped_column(
        ForeignKey("debrief_report.id"), default=None, index=True
    )
    """The report this one was sanitised from (unchanged by it)."""
    stix_id: Mapped[str] = mapped_column(String(64), unique=True)
    """`report--<uuid>`: the same report exported twice, or imported back, keeps its id."""
    title_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    """Tier 2: under the server data key."""
    session_on: Mapped[date] = mapped_column(Date)
    debriefer: Mapped[str] = mapped_column(String(120))
    """Who debriefed: an officer's username, or the name a partner's bundle gives."""
    author_id: Mapped[str | None] = mapped_column(ForeignKey("officer.id"), default=None)
    reader_roles: Mapped[str] = mapped_column(String(100))
    """',debriefer,supervisor,': the roles the owner opens the report to."""
    caveats: Mapped[str] = mapped_column(String(200), default="")
    """',ORCON,': handling caveats, each of which a reader must hold."""
    section_levels: Mapped[str] = mapped_column(Text, default="{}")
    """JSON {section: classification} for sections stricter than the report."""
    subject_released: Mapped[bool] = mapped_column(Boolean, default=False)
    """Whether the debriefed person's identity goes to other nations and into exports."""
    body: Mapped[bytes] = mapped_column(LargeBinary)
    """Subject, sections and free text as JSON, under the content key sealed in the wraps."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    wraps: Mapped[list[DebriefReportWrap]] = relationship(cascade="all, delete-orphan")
    releases: Mapped[list[DebriefRelease]] = relationship(
        cascade="all, delete-orphan", order_by="DebriefRelease.decided_at"
    )


class DebriefReportWrap(Base):
    """The report's content key sealed to one nation's compartment key (the owner's or a
    released nation's)."""

    __tablename__ = "debrief_report_wrap"

    report_id: Mapped[str] = mapped_column(ForeignKey("debrief_report.id"), primary_key=True)
    compartment_key_id: Mapped[str] = mapped_column(
        ForeignKey("compartment_key.id"), primary_key=True
    )
    nation: Mapped[str] = mapped_column(String(3), index=True)
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)


class DebriefRelease(Base):
    """A supervisor's decision to widen or narrow a report's release list. Its reason and the
    basis's grounds are tier 2; the kind of basis and the nations are in clear."""

    __tablename__ = "debrief_release"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    report_id: Mapped[str] = mapped_column(ForeignKey("debrief_report.id"), index=True)
    action: Mapped[str] = mapped_column(String(8))
    nations: Mapped[str] = mapped_column(String(200))
    basis_kind: Mapped[str | None] = mapped_column(String(20), default=None)
    detail_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    decided_by: Mapped[str] = mapped_column(ForeignKey("officer.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


class DebriefPersonLink(Labelled, Base):
    """An officer's decision that a person named in a report's People section (by its place in
    the section) is the person of a report in the identity index. Never made automatically.
    The report's labels, roles and caveats are copied in, so the policy hides the link from
    whoever may not read the report."""

    __tablename__ = "debrief_person_link"
    __table_args__ = (UniqueConstraint("report_id", "entry", "person_report_id"),)
    __read_permission__ = roles.DEBRIEF_READ
    __policy_clause__ = classmethod(compartments.clause)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    report_id: Mapped[str] = mapped_column(ForeignKey("debrief_report.id"), index=True)
    entry: Mapped[int] = mapped_column(Integer)
    """The entry's index in the report's People section."""
    person_report_id: Mapped[str] = mapped_column(ForeignKey("person_report.id"), index=True)
    reader_roles: Mapped[str] = mapped_column(String(100))
    caveats: Mapped[str] = mapped_column(String(200), default="")
    decided_by: Mapped[str] = mapped_column(ForeignKey("officer.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
