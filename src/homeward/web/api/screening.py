"""Screening under /api/v1/screening: the instrument new assessments use, a case's assessments,
writing, submitting and reviewing one. The same service and policy as the pages; a review of
eligible or refer moves the case to cleared, and the answer says so."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from homeward.accounts.service import Keyring
from homeward.screening import service as screening
from homeward.screening.instrument import Instrument
from homeward.web.api.deps import ERRORS, Officer, Problem
from homeward.web.deps import DbSession, runtime_of

router = APIRouter(prefix="/api/v1/screening", tags=["screening"])
SCREENING_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    409: {"model": Problem, "description": "The assessment's state or its author refuses it"},
}
Value = (
    Annotated[str, Field(max_length=20_000)]
    | bool
    | float
    | list[Annotated[str, Field(max_length=64)]]
    | None
)
Answers = Annotated[dict[Annotated[str, Field(max_length=64)], Value], Field(max_length=200)]


class ChoiceOut(BaseModel):
    value: str
    label: str


class QuestionOut(BaseModel):
    id: str
    text: str
    type: str
    required: bool
    help: str
    choices: list[ChoiceOut]
    minimum: float | None
    maximum: float | None


class SectionOut(BaseModel):
    id: str
    title: str
    help: str
    questions: list[QuestionOut]


class InstrumentOut(BaseModel):
    id: str
    version: int
    title: str
    help: str
    sections: list[SectionOut]

    @classmethod
    def of(cls, found: Instrument) -> InstrumentOut:
        return cls(
            id=found.id,
            version=found.version,
            title=found.title,
            help=found.help,
            sections=[
                SectionOut(
                    id=section.id,
                    title=section.title,
                    help=section.help,
                    questions=[
                        QuestionOut(
                            id=q.id,
                            text=q.text,
                            type=q.type,
                            required=q.required,
                            help=q.help,
                            choices=[ChoiceOut(value=c.value, label=c.label) for c in q.choices],
                            minimum=q.minimum,
                            maximum=q.maximum,
                        )
                        for q in section.questions
                    ],
                )
                for section in found.sections
            ],
        )


class AssessmentRowOut(BaseModel):
    id: str
    instrument: str
    instrument_version: int
    state: str
    author_id: str
    created_at: datetime
    decision: str | None


class AssessmentOut(AssessmentRowOut):
    case_id: str
    case_stage: str
    submitted_at: datetime | None
    answers: dict[str, Any]
    reviewer_id: str | None
    decided_at: datetime | None
    reasons: str


class AssessmentIn(BaseModel):
    answers: Answers


class AssessmentChangeIn(AssessmentIn):
    submit: bool = False
    """Submit for review with these answers (every required question answered)."""


class ReviewIn(BaseModel):
    decision: str = Field(max_length=20, examples=["eligible", "not_eligible", "refer"])
    reasons: Annotated[str, Field(max_length=8000)]


def _out(session: Session, keyring: Keyring, assessment_id: str) -> AssessmentOut:
    view = screening.open_assessment(session=session, keyring=keyring, assessment_id=assessment_id)
    stage = screening.case_stage(session=session, principal=keyring.principal, case_id=view.case_id)
    return AssessmentOut(
        id=view.id,
        case_id=view.case_id,
        case_stage=stage,
        instrument=view.instrument.id,
        instrument_version=view.instrument.version,
        state=view.state,
        author_id=view.author_id,
        created_at=view.created_at,
        submitted_at=view.submitted_at,
        answers=dict(view.answers),
        decision=view.decision,
        reviewer_id=view.reviewer_id,
        decided_at=view.decided_at,
        reasons=view.reasons,
    )


@router.get("/instrument", operation_id="screening_instrument", responses=SCREENING_ERRORS)
def instrument(request: Request, keyring: Officer) -> InstrumentOut:
    screening.require_reader(keyring.principal)
    return InstrumentOut.of(screening.newest_instrument(runtime_of(request).settings))


@router.get("/cases/{case_id}", operation_id="list_assessments", responses=SCREENING_ERRORS)
def list_assessments(session: DbSession, case_id: str, keyring: Officer) -> list[AssessmentRowOut]:
    found = screening.assessments_of(session=session, principal=keyring.principal, case_id=case_id)
    return [
        AssessmentRowOut(
            id=a.id,
            instrument=a.instrument,
            instrument_version=a.instrument_version,
            state=a.state,
            author_id=a.author_id,
            created_at=a.created_at,
            decision=a.decision,
        )
        for a in found
    ]


@router.post(
    "/cases/{case_id}",
    status_code=201,
    operation_id="write_assessment",
    responses=SCREENING_ERRORS,
    description="A draft against the newest instrument; required answers may come later.",
)
def write_assessment(
    request: Request, session: DbSession, case_id: str, body: AssessmentIn, keyring: Officer
) -> AssessmentOut:
    runtime = runtime_of(request)
    assessment = screening.create(
        session=session,
        keyring=keyring,
        secrets=runtime.secrets,
        settings=runtime.settings,
        case_id=case_id,
        answers=body.answers,
    )
    return _out(session, keyring, assessment.id)


@router.get(
    "/assessments/{assessment_id}", operation_id="get_assessment", responses=SCREENING_ERRORS
)
def get_assessment(session: DbSession, assessment_id: str, keyring: Officer) -> AssessmentOut:
    return _out(session, keyring, assessment_id)


@router.put(
    "/assessments/{assessment_id}", operation_id="change_assessment", responses=SCREENING_ERRORS
)
def change_assessment(
    request: Request,
    session: DbSession,
    assessment_id: str,
    body: AssessmentChangeIn,
    keyring: Officer,
) -> AssessmentOut:
    screening.update(
        session=session,
        keyring=keyring,
        secrets=runtime_of(request).secrets,
        assessment_id=assessment_id,
        answers=body.answers,
        submit=body.submit,
    )
    return _out(session, keyring, assessment_id)


@router.post(
    "/assessments/{assessment_id}/submit",
    operation_id="submit_assessment",
    responses=SCREENING_ERRORS,
)
def submit_assessment(
    request: Request, session: DbSession, assessment_id: str, keyring: Officer
) -> AssessmentOut:
    screening.submit(
        session=session,
        keyring=keyring,
        secrets=runtime_of(request).secrets,
        assessment_id=assessment_id,
    )
    return _out(session, keyring, assessment_id)


@router.post(
    "/assessments/{assessment_id}/review",
    operation_id="review_assessment",
    responses=SCREENING_ERRORS,
    description="A supervisor of the desk who did not write it decides; eligible or refer "
    "moves the case from identity verified to cleared (case_stage says so).",
)
def review_assessment(
    request: Request, session: DbSession, assessment_id: str, body: ReviewIn, keyring: Officer
) -> AssessmentOut:
    screening.review(
        session=session,
        keyring=keyring,
        secrets=runtime_of(request).secrets,
        assessment_id=assessment_id,
        decision=body.decision,
        reasons=body.reasons,
    )
    return _out(session, keyring, assessment_id)
