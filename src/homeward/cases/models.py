"""Cases and everything attached to them. Identity fields are tier 2 (server data key), notes
tier 1 (sealed to the owning desk); names are searchable only through keyed tokens."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from homeward.core.db import Base, new_id, utcnow
from homeward.policy import roles
from homeward.policy.labels import Labelled


class Case(Labelled, Base):
    __tablename__ = "case_file"
    __read_permission__ = roles.CASE_READ
    __table_args__ = (
        Index("ix_case_file_list", "owner_nation", "stage", "updated_at"),
        # Everything the list's counts per stage, stale flags and policy filter read, so that
        # they come from this index alone rather than from 100,000 table rows.
        Index(
            "ix_case_file_stage_age",
            "stage",
            "stage_entered_at",
            "classification",
            "owner_nation",
            "release",
        ),
        # A page of one stage by last change walks this in order instead of sorting the stage.
        Index("ix_case_file_stage_updated", "stage", "updated_at"),
        # Programme figures group by these without opening a single identity (reports/); with
        # the id, the coalition's counts join a case's events from this index alone.
        Index("ix_case_file_statistics", "owner_nation", "sex", "age_band", "id"),
        UniqueConstraint("reference"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(20))
    """`FRA-3F9A21C4`: what officers say on the phone."""
    stage: Mapped[str] = mapped_column(String(20), index=True)
    stage_entered_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    identity_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    """Claimed identity as JSON under the server data key (tier 2)."""
    contact_deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    """When the contact behind the case deleted everything: the channel is gone for good."""
    sex: Mapped[str] = mapped_column(String(1), default="", server_default="")
    """M, F, X or '' (not known): a coarse clear copy of the sealed identity's, for programme
    figures only. Counting 100,000 cases by sex must not open 100,000 identities (slow, and a
    read of content); one letter in clear names nobody. Kept by the case service whenever the
    identity changes (`service.set_statistics`)."""
    age_band: Mapped[str] = mapped_column(String(5), default="", server_default="")
    """`child`, `adult` or '' (not known), as at the case's opening, for programme figures.
    At opening, not today: the figures ask how many children came to the programme, and a band
    that moved on birthdays would move last year's figures. From the claimed date of birth
    (a partial date counts as its latest day: in doubt, a child, as cases/children.py)."""

    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.at", cascade="all, delete-orphan"
    )
    labels: Mapped[list[CaseLabel]] = relationship(cascade="all, delete-orphan")
    assignees: Mapped[list[CaseAssignee]] = relationship(cascade="all, delete-orphan")
    conversations: Mapped[list[CaseConversation]] = relationship(cascade="all, delete-orphan")
    notes: Mapped[list[CaseNote]] = relationship(
        order_by="CaseNote.created_at", cascade="all, delete-orphan"
    )
    name_tokens: Mapped[list[CaseNameToken]] = relationship(cascade="all, delete-orphan")


class CaseEvent(Base):
    """Every change: who, when, what, why. Nothing is edited in place without one."""

    __tablename__ = "case_event"
    __table_args__ = (
        # Programme figures (reports/counts.py): a case's events by stage and time, with what
        # the counts read of each, so the period's events are counted from this index alone.
        Index(
            "ix_case_event_stages",
            "case_id",
            "to_stage",
            "at",
            "first_entry",
            "from_stage",
            "from_stage_entered_at",
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[str] = mapped_column(String(32))
    actor_name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40))
    """`case:open`, `case:stage:change`, `case:transfer:request`, ..."""
    from_stage: Mapped[str | None] = mapped_column(String(20), default=None)
    to_stage: Mapped[str | None] = mapped_column(String(20), default=None)
    detail_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    """The why, and any detail, as JSON under the server data key."""
    first_entry: Mapped[bool] = mapped_column(default=False, server_default=false())
    """The case's first entry into `to_stage`: no earlier event of the case moved it there
    (a case sent back by a cancelled plan, or re-opened, enters again: False). Set when the
    event is written (`cases.service.stage_marks`), so programme figures count the cases that
    reached a stage in a period from the period's events alone."""
    from_stage_entered_at: Mapped[datetime | None] = mapped_column(default=None)
    """For an event that moves the case out of `from_stage` into another: when the case last
    entered `from_stage` (its latest earlier event to it), so the stay is `at` minus this.
    None when no event entered it, or the event moves no stage. Set with `first_entry`."""

    case: Mapped[Case] = relationship(back_populates="events")


class CaseLabel(Base):
    __tablename__ = "case_label"

    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), primary_key=True)
    label: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class CaseAssignee(Base):
    __tablename__ = "case_assignee"

    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), primary_key=True)
    officer_id: Mapped[str] = mapped_column(ForeignKey("officer.id"), primary_key=True, index=True)


class CaseConversation(Base):
    __tablename__ = "case_conversation"

    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversation.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class CaseNameToken(Base):
    """A keyed hash of one normalised name word: search without decrypting every row."""

    __tablename__ = "case_name_token"

    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), primary_key=True)
    token: Mapped[bytes] = mapped_column(LargeBinary(16), primary_key=True, index=True)


class CaseNote(Base):
    """Tier 1: the text is sealed to the owning desk, like a letter."""

    __tablename__ = "case_note"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    author_id: Mapped[str] = mapped_column(ForeignKey("officer.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    body: Mapped[bytes] = mapped_column(LargeBinary)

    wraps: Mapped[list[CaseNoteWrap]] = relationship(cascade="all, delete-orphan")


class CaseNoteWrap(Base):
    __tablename__ = "case_note_wrap"

    note_id: Mapped[str] = mapped_column(ForeignKey("case_note.id"), primary_key=True)
    desk_key_id: Mapped[str] = mapped_column(ForeignKey("desk_key.id"), primary_key=True)
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)


class CaseTransfer(Base):
    """A request to hand a case to another nation's desk; that desk must accept."""

    __tablename__ = "case_transfer"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    from_nation: Mapped[str] = mapped_column(String(3))
    to_nation: Mapped[str] = mapped_column(String(3), index=True)
    reason_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    requested_by: Mapped[str] = mapped_column(ForeignKey("officer.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("officer.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decision_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)


class CaseConsent(Base):
    """The person's consent to a disclosure: when it was given (clear) and how (tier 1, sealed
    to the owning desk like a note: it describes the person). Withdrawal is recorded beside it,
    never in place of it."""

    __tablename__ = "case_consent"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    given_on: Mapped[date] = mapped_column()
    how: Mapped[bytes] = mapped_column(LargeBinary)
    """How it was given, under the content key sealed in the wraps."""
    recorded_by: Mapped[str] = mapped_column(ForeignKey("officer.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(default=None)
    withdrawn_by: Mapped[str | None] = mapped_column(ForeignKey("officer.id"), default=None)
    withdrawal_how: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    """How the withdrawal came (under the same content key)."""

    wraps: Mapped[list[CaseConsentWrap]] = relationship(cascade="all, delete-orphan")


class CaseConsentWrap(Base):
    __tablename__ = "case_consent_wrap"

    consent_id: Mapped[str] = mapped_column(ForeignKey("case_consent.id"), primary_key=True)
    desk_key_id: Mapped[str] = mapped_column(ForeignKey("desk_key.id"), primary_key=True)
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)


class CaseReleaseBasis(Base):
    """Why one nation may read the case: added to its release list, or sent the case by a
    transfer. The kind is clear; its grounds (which obligation, what danger) are tier 1. Closed
    when the nation leaves the list, kept with when and by whom; flagged for a supervisor's
    review when the consent it rested on is withdrawn."""

    __tablename__ = "case_release_basis"
    __table_args__ = (Index("ix_case_release_basis_open", "case_id", "closed_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_file.id"), index=True)
    nation: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(20))
    """`consent`, `legal_obligation` or `vital_interest`."""
    consent_id: Mapped[str | None] = mapped_column(
        ForeignKey("case_consent.id"), default=None, index=True
    )
    transfer_id: Mapped[str | None] = mapped_column(ForeignKey("case_transfer.id"), default=None)
    grounds: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    """Which obligation or what danger, under the content key sealed in the wraps."""
    decided_by: Mapped[str] = mapped_column(ForeignKey("officer.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    flagged_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    """Its consent was withdrawn: a supervisor keeps it on another basis or removes the nation."""
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_by: Mapped[str | None] = mapped_column(ForeignKey("officer.id"), default=None)

    wraps: Mapped[list[CaseReleaseBasisWrap]] = relationship(cascade="all, delete-orphan")


class CaseReleaseBasisWrap(Base):
    __tablename__ = "case_release_basis_wrap"

    basis_id: Mapped[str] = mapped_column(ForeignKey("case_release_basis.id"), primary_key=True)
    desk_key_id: Mapped[str] = mapped_column(ForeignKey("desk_key.id"), primary_key=True)
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)
