"""API shapes of cases, kept apart from the tables."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from homeward.cases.identity import ClaimedIdentity

CaseSort = Literal["updated", "oldest-in-stage", "reference", "stage"]


class CaseFilter(BaseModel):
    """Which cases the list shows and its CSV export writes, as query parameters: the one
    definition that the list and the export read, on the officer pages and in the API alike,
    so that a filter added here is in both. The page number is the list's alone."""

    model_config = ConfigDict(frozen=True)

    stage: str = Field(default="", max_length=30)
    nation: str = Field(default="", max_length=3)
    label: str = Field(default="", max_length=40)
    assignee: str = Field(
        default="", max_length=64, description="an officer's id (a username on the pages)"
    )
    q: str = Field(default="", max_length=200, description="words of a name")
    stale: bool = Field(default=False, description="only cases too long in their stage")
    sort: CaseSort = "updated"

    @field_validator("stage", "label", "assignee")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("nation")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.strip().upper()


class IdentityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    given_names: str = Field(default="", max_length=200)
    family_name: str = Field(default="", max_length=200)
    aliases: list[str] = Field(default_factory=list, max_length=20)
    date_of_birth: str = Field(
        default="", max_length=10, description="YYYY-MM-DD, YYYY-MM, YYYY or ~YYYY"
    )
    place_of_birth: str = Field(default="", max_length=200)
    nationalities: list[str] = Field(default_factory=list, max_length=10)
    sex: str = Field(
        default="", max_length=1, description="M, F, X or empty (an edit without it keeps it)"
    )

    def to_identity(self) -> ClaimedIdentity:
        return ClaimedIdentity(**self.model_dump())


class IdentityOut(IdentityIn):
    model_config = ConfigDict(extra="ignore", from_attributes=True)


BasisKind = Literal["consent", "legal_obligation", "vital_interest"]


class BasisIn(BaseModel):
    """The lawful basis of a disclosure. Consent: `consent_id` of a consent on file, or when
    (`consent_given_on`) and how (`consent_how`) it was given. Otherwise `grounds`: which
    obligation, or what danger."""

    model_config = ConfigDict(extra="forbid")

    kind: BasisKind
    consent_id: str = Field(default="", max_length=32)
    consent_given_on: date | None = None
    consent_how: str = Field(default="", max_length=2000)
    grounds: str = Field(default="", max_length=2000)


class CaseCreateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    identity: IdentityIn
    conversation_ids: list[str] = Field(default_factory=list, max_length=20)
    labels: list[str] = Field(default_factory=list, max_length=20)
    classification: int = Field(default=1, ge=0, le=3)
    release: list[str] = Field(default_factory=list, max_length=10)
    basis: BasisIn | None = None
    """Required when `release` names a nation: the basis of each, as when one is added later."""


class CaseRowOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    reference: str
    owner_nation: str
    stage: str
    display_name: str
    stage_entered_at: datetime
    updated_at: datetime
    classification: int
    stale: bool
    labels: list[str]


class CasePageOut(BaseModel):
    items: list[CaseRowOut]
    total: int
    page: int
    page_size: int
    counts: dict[str, int]
    stale_total: int


class EventOut(BaseModel):
    at: datetime
    actor: str
    kind: str
    from_stage: str | None
    to_stage: str | None
    detail: dict[str, object] | None


class NoteOut(BaseModel):
    id: str
    author_id: str
    created_at: datetime
    text: str


class CaseOut(BaseModel):
    id: str
    reference: str
    owner_nation: str
    stage: str
    stage_entered_at: datetime
    stale: bool
    classification: int
    release: list[str]
    labels: list[str]
    assignees: list[str]
    conversation_ids: list[str]
    identity: IdentityOut
    timeline: list[EventOut]
    notes: list[NoteOut]
    allowed_stages: list[str]
    """The stages this officer may move the case to now."""


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stage: str = Field(min_length=1, max_length=30)
    note: str = Field(default="", max_length=20_000)
    verified_by: str = Field(default="", max_length=64)


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=20_000)


class IdentityChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    identity: IdentityIn
    reason: str = Field(min_length=1, max_length=2000)


class LabelsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    labels: list[str] = Field(default_factory=list, max_length=20)
    assignee_ids: list[str] = Field(default_factory=list, max_length=20)


class ProtectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    classification: int = Field(ge=0, le=3)
    release: list[str] = Field(default_factory=list, max_length=10)
    reason: str = Field(min_length=1, max_length=2000)
    basis: BasisIn | None = None
    """Required when a nation is added to the release list: the basis of each added nation."""


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_nation: str = Field(min_length=1, max_length=3)
    reason: str = Field(min_length=1, max_length=2000)
    basis: BasisIn | None = None
    """Required: the basis of disclosing the case to the receiving nation."""


class ConsentWithdrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    how: str = Field(min_length=1, max_length=2000)


class ReleaseReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["keep", "remove"]
    reason: str = Field(min_length=1, max_length=2000)
    basis: BasisIn | None = None
    """Required to keep: the release's new basis."""


class ConsentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    given_on: date
    how: str | None
    recorded_by: str
    recorded_at: datetime
    withdrawn_at: datetime | None
    withdrawn_by: str | None
    withdrawal_how: str | None


class ReleaseBasisOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    nation: str
    kind: str
    by_transfer: bool
    decided_by: str
    decided_at: datetime
    grounds: str | None
    consent: ConsentOut | None
    flagged_at: datetime | None
    closed_at: datetime | None
    closed_by: str | None


class TransferOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    reference: str
    from_nation: str
    reason: str
    requested_at: datetime


class RefuseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)
