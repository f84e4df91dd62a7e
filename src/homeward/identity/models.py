"""Identity in the database: person reports (tier 2), the persons they belong to, the blocking
index, officers' decisions on pairs and the merges those decisions made.

A report's fields and normalised keys are one JSON document sealed under the server data key;
its blocking keys are stored only as keyed hashes (pepper), so the index finds candidates
without a single name or date in clear."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from homeward.core.db import Base, new_id, utcnow
from homeward.policy import roles
from homeward.policy.labels import Labelled

KEY_HASH_SIZE = 16


class Person(Base):
    """One human being as far as officers have decided: a random id that survives merges.
    A merged person keeps its row, pointing at the person that absorbed it."""

    __tablename__ = "person"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    merged_into: Mapped[str | None] = mapped_column(
        ForeignKey("person.id"), default=None, index=True
    )
    merged_at: Mapped[datetime | None] = mapped_column(default=None)


class IdentityImport(Base):
    """One registry file imported whole: who, for which nation, how many reports."""

    __tablename__ = "identity_import"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    nation: Mapped[str] = mapped_column(String(3))
    officer_id: Mapped[str | None] = mapped_column(ForeignKey("officer.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    report_count: Mapped[int] = mapped_column(Integer, default=0)


class StoredReport(Labelled, Base):
    """A claimed identity: from a registry, typed by an officer, or a case's own."""

    __tablename__ = "person_report"
    __read_permission__ = roles.IDENTITY_READ
    __table_args__ = (UniqueConstraint("record_hash"), UniqueConstraint("case_id"))

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    source: Mapped[str] = mapped_column(String(10))
    """`registry`, `officer` or `case`."""
    record_hash: Mapped[bytes] = mapped_column(LargeBinary(KEY_HASH_SIZE))
    """Keyed hash of the source's own record id: one report per registry record."""
    case_id: Mapped[str | None] = mapped_column(ForeignKey("case_file.id"), default=None)
    import_id: Mapped[str | None] = mapped_column(
        ForeignKey("identity_import.id"), default=None, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("officer.id"), default=None)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    """{"report": fields, "keys": normalised keys} as JSON under the server data key."""


class ReportKey(Base):
    """The blocking index: one row per (keyed hash of a blocking key, report). Looked up by
    key hash through the primary key; the rows carry no label, so the reports they point at
    are loaded through the policy filter before anything is read."""

    __tablename__ = "person_report_key"

    key_hash: Mapped[bytes] = mapped_column(LargeBinary(KEY_HASH_SIZE), primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("person_report.id"), primary_key=True)


class IdentityDecision(Base):
    """An officer's word on a pair of reports: the same person (`confirm`) or not
    (`reject`). The pair is stored in id order, once."""

    __tablename__ = "identity_decision"
    __table_args__ = (
        UniqueConstraint("left_report_id", "right_report_id"),
        Index("ix_identity_decision_right", "right_report_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    left_report_id: Mapped[str] = mapped_column(ForeignKey("person_report.id"))
    right_report_id: Mapped[str] = mapped_column(ForeignKey("person_report.id"))
    decision: Mapped[str] = mapped_column(String(10))
    reason_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    officer_id: Mapped[str] = mapped_column(ForeignKey("officer.id"))
    nation: Mapped[str] = mapped_column(String(3))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    probability: Mapped[str | None] = mapped_column(String(12), default=None)
    """The model's probability when the officer decided, as shown (for later review)."""


class PersonMerge(Base):
    """A confirmed link joined two persons: the older id survived."""

    __tablename__ = "person_merge"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    survivor_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    merged_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    decision_id: Mapped[str] = mapped_column(ForeignKey("identity_decision.id"))
    merged_at: Mapped[datetime] = mapped_column(default=utcnow)
