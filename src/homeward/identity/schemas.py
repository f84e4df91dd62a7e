"""The identity API's bodies (/api/v1/identity and /api/v1/cases/{case_id}/identity)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from homeward.identity.search import Candidate, Candidates
from homeward.identity.service import ReportView
from homeward.linkage.model import PairScore
from homeward.linkage.reports import PersonReport

Short = Annotated[str, Field(max_length=300)]
Level = Annotated[int, Field(ge=0, le=3)]


class ReportFields(BaseModel):
    """A person report in the exchange format; every field but a name may be empty."""

    record_id: Annotated[str, Field(max_length=100)] = ""
    given_name: Short = ""
    family_name: Short = ""
    full_name: Short = ""
    father_name: Short = ""
    aliases: Annotated[list[Short], Field(max_length=20)] = Field(default_factory=list)
    name_arabic: Short = ""
    dob: Annotated[str, Field(max_length=10, description="YYYY-MM-DD, YYYY-MM, YYYY or ~YYYY")] = ""
    place_of_birth: Short = ""
    nationality: Annotated[list[Annotated[str, Field(max_length=3)]], Field(max_length=10)] = Field(
        default_factory=list, description="ISO 3166 alpha-3 codes"
    )
    sex: Annotated[str, Field(max_length=1, description="M, F, X or empty")] = ""
    document_number: Short = ""
    address: Short = ""

    def as_row(self, default_id: str) -> dict[str, str]:
        """The exchange format's row, for the same checks as a file's."""
        values = self.model_dump()
        values["record_id"] = self.record_id or default_id
        values["aliases"] = ";".join(self.aliases)
        values["nationality"] = ";".join(self.nationality)
        return {name: str(value) for name, value in values.items()}

    @classmethod
    def of(cls, report: PersonReport) -> ReportFields:
        return cls(
            record_id=report.record_id,
            given_name=report.given_name,
            family_name=report.family_name,
            full_name=report.full_name,
            father_name=report.father_name,
            aliases=list(report.aliases),
            name_arabic=report.name_arabic,
            dob=report.dob,
            place_of_birth=report.place_of_birth,
            nationality=list(report.nationality),
            sex=report.sex,
            document_number=report.document_number,
            address=report.address,
        )


class ReportIn(BaseModel):
    report: ReportFields
    classification: Level = 1
    release: Annotated[list[Annotated[str, Field(max_length=3)]], Field(max_length=10)] = Field(
        default_factory=list
    )


class ImportIn(BaseModel):
    csv: Annotated[str, Field(max_length=20_000_000, description="The exchange format as CSV")]
    classification: Level = 1
    release: Annotated[list[Annotated[str, Field(max_length=3)]], Field(max_length=10)] = Field(
        default_factory=list
    )


class ImportOut(BaseModel):
    import_id: str
    imported: int


class SearchIn(BaseModel):
    report: ReportFields
    limit: Annotated[int, Field(ge=1, le=50)] = 5


class DecisionIn(BaseModel):
    report_id: Annotated[str, Field(max_length=32)]
    other_report_id: Annotated[str, Field(max_length=32)]
    decision: Literal["confirm", "reject"]
    reason: Annotated[str, Field(max_length=2000)] = ""


class CaseDecisionIn(BaseModel):
    report_id: Annotated[str, Field(max_length=32, description="The proposed report")]
    decision: Literal["confirm", "reject"]
    reason: Annotated[str, Field(max_length=2000)] = ""


class DecisionOut(BaseModel):
    id: str
    decision: str
    left_report_id: str
    right_report_id: str
    person_id: str | None


class ReportOut(BaseModel):
    id: str
    person_id: str
    source: str
    owner_nation: str
    classification: int
    release: list[str]
    case_id: str | None
    created_at: datetime
    report: ReportFields

    @classmethod
    def of(cls, view: ReportView) -> ReportOut:
        return cls(
            id=view.id,
            person_id=view.person_id,
            source=view.source,
            owner_nation=view.owner_nation,
            classification=view.classification,
            release=view.release,
            case_id=view.case_id,
            created_at=view.created_at,
            report=ReportFields.of(view.report),
        )


def _finite(value: float) -> float:
    return value if math.isfinite(value) else math.copysign(1e9, value)


class EvidenceOut(BaseModel):
    comparison: str
    level: str
    weight: float


class CandidateOut(BaseModel):
    person_id: str
    probability: float
    match_weight: float
    prior_weight: float
    evidence: list[EvidenceOut]
    report: ReportOut
    other_reports: list[ReportOut]

    @classmethod
    def of(cls, candidate: Candidate) -> CandidateOut:
        score: PairScore = candidate.score
        return cls(
            person_id=candidate.person_id,
            probability=_finite(score.probability),
            match_weight=_finite(score.match_weight),
            prior_weight=_finite(score.prior_weight),
            evidence=[
                EvidenceOut(comparison=e.comparison, level=e.level, weight=_finite(e.weight))
                for e in score.evidence
            ],
            report=ReportOut.of(candidate.report),
            other_reports=[ReportOut.of(view) for view in candidate.other_reports],
        )


class CandidatesOut(BaseModel):
    query_report_id: str | None = Field(
        description="The searched report's id when it is in the index (a case added to it)"
    )
    candidates: list[CandidateOut]
    looked_at: int
    skipped_keys: int

    @classmethod
    def of(cls, found: Candidates) -> CandidatesOut:
        return cls(
            query_report_id=found.query.id if found.query else None,
            candidates=[CandidateOut.of(candidate) for candidate in found.candidates],
            looked_at=found.looked_at,
            skipped_keys=found.skipped_keys,
        )
