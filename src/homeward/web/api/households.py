"""A case's household and a child's path under /api/v1/cases/{case_id}/household: the members
this officer may see, linking and unlinking, a child's age estimate and best-interests
assessments. The same services and policy as the case page."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from homeward.cases import children
from homeward.households import best_interests
from homeward.households import service as households
from homeward.web.api.deps import ERRORS, Officer
from homeward.web.deps import DbSession, runtime_of

router = APIRouter(prefix="/api/v1/cases/{case_id}/household", tags=["households"])


class MemberOut(BaseModel):
    link_id: str
    case_id: str
    reference: str
    stage: str
    relation: str = Field(description="What the member is to this case")
    basis: str = Field(description="How the link is known: stated, documented, verified")
    recorded_at: datetime


class HouseholdOut(BaseModel):
    members: list[MemberOut]


class LinkIn(BaseModel):
    member_reference: str = Field(max_length=20, examples=["FRA-3F9A21C4"])
    relation: str = Field(max_length=12, examples=["spouse", "child", "parent", "sibling"])
    basis: str = Field(max_length=12, examples=["stated", "documented", "verified"])


class UnlinkIn(BaseModel):
    reason: Annotated[str, Field(max_length=2000)]


class AgeEstimateIn(BaseModel):
    years: int = Field(ge=0, le=children.MAX_ESTIMATE)
    basis: str = Field(max_length=12, examples=list(children.BASES))


class AgeEstimateOut(BaseModel):
    id: str
    years: int
    basis: str
    recorded_at: datetime


class AssessmentIn(BaseModel):
    outcome: Annotated[str, Field(max_length=best_interests.OUTCOME_MAX_CHARS)]


class AssessmentRowOut(BaseModel):
    id: str
    author_id: str
    assessed_at: datetime


class AssessmentOut(AssessmentRowOut):
    outcome: str


def _household(session: DbSession, keyring: Officer, case_id: str) -> HouseholdOut:
    found = households.household(session=session, principal=keyring.principal, case_id=case_id)
    return HouseholdOut(
        members=[
            MemberOut(
                link_id=m.link_id,
                case_id=m.case_id,
                reference=m.reference,
                stage=m.stage,
                relation=m.relation,
                basis=m.basis,
                recorded_at=m.recorded_at,
            )
            for m in found
        ]
    )


@router.get("", operation_id="get_household", responses=ERRORS)
def get_household(session: DbSession, case_id: str, keyring: Officer) -> HouseholdOut:
    """The members whose cases this officer may open; nothing of the others."""
    return _household(session, keyring, case_id)


@router.post("", status_code=201, operation_id="link_household_member", responses=ERRORS)
def link_member(
    request: Request, session: DbSession, case_id: str, body: LinkIn, keyring: Officer
) -> HouseholdOut:
    """The owning desk links its case to another case it can open, named by reference."""
    households.link(
        session=session,
        principal=keyring.principal,
        secrets=runtime_of(request).secrets,
        case_id=case_id,
        member_reference=body.member_reference,
        relation=body.relation,
        basis=body.basis,
    )
    return _household(session, keyring, case_id)


@router.post("/{link_id}/unlink", operation_id="unlink_household_member", responses=ERRORS)
def unlink_member(
    request: Request,
    session: DbSession,
    *,
    case_id: str,
    link_id: str,
    body: UnlinkIn,
    keyring: Officer,
) -> HouseholdOut:
    households.unlink(
        session=session,
        principal=keyring.principal,
        secrets=runtime_of(request).secrets,
        case_id=case_id,
        link_id=link_id,
        reason=body.reason,
    )
    return _household(session, keyring, case_id)


@router.post("/age-estimate", status_code=201, operation_id="estimate_age", responses=ERRORS)
def estimate_age(
    request: Request, session: DbSession, case_id: str, body: AgeEstimateIn, keyring: Officer
) -> AgeEstimateOut:
    """Where the case has no date of birth: the person's age as estimated, and on what basis."""
    made = children.record_estimate(
        session=session,
        keyring=keyring,
        secrets=runtime_of(request).secrets,
        case_id=case_id,
        years=body.years,
        basis=body.basis,
    )
    return AgeEstimateOut(
        id=made.id, years=made.years, basis=made.basis, recorded_at=made.recorded_at
    )


@router.get("/best-interests", operation_id="list_best_interests", responses=ERRORS)
def list_best_interests(
    session: DbSession, case_id: str, keyring: Officer
) -> list[AssessmentRowOut]:
    found = best_interests.of_case(session=session, principal=keyring.principal, case_id=case_id)
    return [
        AssessmentRowOut(id=a.id, author_id=a.author_id, assessed_at=a.assessed_at) for a in found
    ]


@router.post(
    "/best-interests", status_code=201, operation_id="record_best_interests", responses=ERRORS
)
def record_best_interests(
    request: Request, session: DbSession, case_id: str, body: AssessmentIn, keyring: Officer
) -> AssessmentOut:
    """A child's case only; the outcome is sealed to the owning desk."""
    made = best_interests.record(
        session=session,
        keyring=keyring,
        secrets=runtime_of(request).secrets,
        case_id=case_id,
        outcome=body.outcome,
    )
    return _opened(session, keyring, case_id, made.id)


@router.get(
    "/best-interests/{best_interests_id}", operation_id="get_best_interests", responses=ERRORS
)
def get_best_interests(
    session: DbSession, case_id: str, best_interests_id: str, keyring: Officer
) -> AssessmentOut:
    return _opened(session, keyring, case_id, best_interests_id)


def _opened(
    session: DbSession, keyring: Officer, case_id: str, assessment_id: str
) -> AssessmentOut:
    opened = best_interests.open_outcome(
        session=session, keyring=keyring, case_id=case_id, assessment_id=assessment_id
    )
    return AssessmentOut(
        id=opened.id,
        author_id=opened.author_id,
        assessed_at=opened.assessed_at,
        outcome=opened.outcome,
    )
