"""The screening tests' world: a case of a desk brought to `identity_verified` the real way,
answers that satisfy the shipped instrument, and the steps of an assessment as one call each."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select

from homeward.accounts import service as accounts_service
from homeward.audit.models import AuditEvent
from homeward.cases import service as case_service
from homeward.cases import transitions
from homeward.cases.identity import ClaimedIdentity
from homeward.cases.models import Case, CaseEvent
from homeward.cases.release_basis import Basis
from homeward.core.runtime import Runtime
from homeward.policy import binding
from homeward.screening import instrument as instruments
from homeward.screening import service as screening
from homeward.screening.instrument import Instrument
from homeward.screening.models import (
    ScreeningAssessment,
    ScreeningAssessmentWrap,
    ScreeningInstrument,
)
from tests import helpers

SHIPPED = instruments.newest([instruments.SHIPPED])


def sample(question: instruments.Question, marker: str = "") -> object:
    """A valid answer to any question of the instrument."""
    by_type: dict[str, object] = {
        "text": f"Synthetic answer {marker}".strip(),
        "yes_no": "no",
        "number": int(question.minimum or 0) + 24 if question.minimum is not None else 3,
        "date": "2024-03-31",
        "one_of": question.choices[0].value if question.choices else "",
        "many_of": [question.choices[0].value] if question.choices else [],
    }
    return by_type[question.type]


def answers(found: Instrument = SHIPPED, marker: str = "") -> dict[str, object]:
    """Every question answered (text answers carry `marker`)."""
    return {q.id: sample(q, marker) for q in found.questions()}


def open_case(
    runtime: Runtime,
    persona: helpers.Persona,
    *,
    family: str = "Benali",
    release: tuple[str, ...] = (),
    verified_by: helpers.Persona | None = None,
) -> str:
    """A case of the persona's desk; moved to `identity_verified` (verified by `verified_by`)
    through the stage rules when a verifier is given."""
    keyring = helpers.keyring(runtime, persona)
    with runtime.db.transaction() as session:
        case = case_service.open_case(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            settings=runtime.settings,
            data=case_service.CaseOpen(
                identity=ClaimedIdentity(
                    given_names="Karim",
                    family_name=family,
                    date_of_birth="1993",
                    nationalities=[persona.nation],
                ),
                release=list(release),
                basis=Basis("legal_obligation", grounds="Synthetic: court order."),
            ),
        )
        case_id = case.id
        # As a sign-in does: the desk's key sealed to colleagues who lack it (the supervisor).
        accounts_service.grant_pending_keys(session=session, keyring=keyring)
    if verified_by is not None:
        move(runtime, persona, case_id, "in_contact")
        move(
            runtime,
            persona,
            case_id,
            "identity_verified",
            note="Passport seen at the consulate.",
            verified_by=verified_by.username,
        )
    return case_id


def move(
    runtime: Runtime, persona: helpers.Persona, case_id: str, stage: str, **extra: str
) -> None:
    with runtime.db.transaction() as session:
        transitions.transition(
            session=session,
            keyring=helpers.keyring(runtime, persona),
            secrets=runtime.secrets,
            case_id=case_id,
            to_stage=stage,
            **extra,
        )


def write(
    runtime: Runtime,
    persona: helpers.Persona,
    case_id: str,
    given: Mapping[str, object] | None = None,
    *,
    submit: bool = True,
) -> str:
    """A draft written by `persona`, submitted unless told otherwise."""
    keyring = helpers.keyring(runtime, persona)
    with runtime.db.transaction() as session:
        accounts_service.grant_pending_keys(session=session, keyring=keyring)
        assessment = screening.create(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            settings=runtime.settings,
            case_id=case_id,
            answers=answers() if given is None else given,
        )
        assessment_id = assessment.id
    if submit:
        with runtime.db.transaction() as session:
            screening.submit(
                session=session,
                keyring=keyring,
                secrets=runtime.secrets,
                assessment_id=assessment_id,
            )
    return assessment_id


def review(
    runtime: Runtime,
    persona: helpers.Persona,
    assessment_id: str,
    decision: str = "eligible",
    reasons: str = "Account consistent with the registry; family ready to receive him.",
) -> None:
    with runtime.db.transaction() as session:
        screening.review(
            session=session,
            keyring=helpers.keyring(runtime, persona),
            secrets=runtime.secrets,
            assessment_id=assessment_id,
            decision=decision,
            reasons=reasons,
        )


def stage(runtime: Runtime, case_id: str) -> str:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: the case's stage")
        found = session.get(Case, case_id)
        assert found is not None
        return found.stage


@dataclass(frozen=True)
class Stored:
    """What a refusal must leave as it was."""

    assessments: tuple[tuple[str, str, str | None], ...]
    wraps: int
    instruments: int
    events: int
    audit: int
    stages: tuple[tuple[str, str], ...]


def stored(runtime: Runtime) -> Stored:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: what is stored")
        return Stored(
            assessments=tuple(
                (row.id, row.state, row.decision)
                for row in session.scalars(
                    select(ScreeningAssessment).order_by(ScreeningAssessment.id)
                )
            ),
            wraps=session.scalar(select(func.count()).select_from(ScreeningAssessmentWrap)) or 0,
            instruments=session.scalar(select(func.count()).select_from(ScreeningInstrument)) or 0,
            events=session.scalar(select(func.count()).select_from(CaseEvent)) or 0,
            audit=session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
            stages=tuple(
                (row.id, row.stage)
                for row in session.execute(select(Case.id, Case.stage).order_by(Case.id))
            ),
        )
