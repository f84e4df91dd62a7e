"""Assessments: written by one officer of the owning desk against the newest instrument, saved
as drafts, submitted, and reviewed by a supervisor of the desk who did not write them.

The only code that changes assessments. Each change is a case event and an audit entry in the
same transaction (through the case service's `record_event`); each read of the answers is an
audit entry. Answers and reasons are sealed like a case note, so the server alone cannot read
them. A decision of eligible or refer moves the case from `identity_verified` to `cleared`:
that move is made only here (`THROUGH_SCREENING`), and the generic stage route refuses it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.accounts.service import Keyring
from homeward.audit import service as audit
from homeward.cases import service as case_service
from homeward.cases import transitions
from homeward.cases.models import Case
from homeward.cases.states import THROUGH_SCREENING, WORDS, Stage
from homeward.core.db import utcnow
from homeward.core.errors import BadInput, Forbidden, NotFound
from homeward.core.settings import Settings
from homeward.crypto import sealing
from homeward.crypto.keys import ServerSecrets
from homeward.policy import binding, roles
from homeward.policy import check as policy
from homeward.screening import instrument as instruments
from homeward.screening.exceptions import AssessmentLocked, ReviewRefused
from homeward.screening.instrument import Answers, Instrument, InstrumentInvalid
from homeward.screening.models import (
    CLEARING,
    DECISIONS,
    DRAFT,
    REVIEWED,
    SUBMITTED,
    ScreeningAssessment,
    ScreeningAssessmentWrap,
    ScreeningInstrument,
)

REASONS_MAX_CHARS = 8000
DECISION_WORDS = {
    "eligible": "eligible for return",
    "not_eligible": "not eligible",
    "refer": "refer to the home nation's prosecutor",
}


@dataclass(frozen=True)
class AssessmentView:
    """An assessment opened for an officer of the owning desk, with the instrument version it
    was written against."""

    id: str
    case_id: str
    instrument: Instrument
    state: str
    author_id: str
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    answers: Answers
    decision: str | None
    reviewer_id: str | None
    decided_at: datetime | None
    reasons: str


def newest_instrument(settings: Settings) -> Instrument:
    """What a new assessment is written against (files checked on every call: a programme's new
    version is used from the next assessment on)."""
    return instruments.newest(instruments.folders(settings.data_dir))


def _own_case(session: Session, principal: policy.Principal, case_id: str) -> Case:
    case = case_service.get_case(
        session=session, principal=principal, case_id=case_id, permission=roles.CASE_READ
    )
    if case.owner_nation != principal.nation:
        raise NotFound("case")  # sealed to the owning desk alone: no other nation reads it
    return case


def _own(
    session: Session, principal: policy.Principal, assessment_id: str, permission: str
) -> ScreeningAssessment:
    """An assessment of this officer's desk, if the role may do `permission`; NotFound as if
    it did not exist otherwise."""
    policy.require_permission(principal, permission)
    binding.bind(session, principal)
    found = session.get(ScreeningAssessment, assessment_id)
    policy.check(principal, roles.SCREENING_READ, found, "assessment")
    assert found is not None  # noqa: S101 - policy.check raised otherwise
    if found.owner_nation != principal.nation:
        raise NotFound("assessment")
    return found


def _recorded(session: Session, found: Instrument) -> ScreeningInstrument:
    """The version's row, made on first use; a file changed under a used version is refused."""
    row = session.get(ScreeningInstrument, (found.id, found.version))
    if row is None:
        row = ScreeningInstrument(
            instrument=found.id,
            version=found.version,
            title=found.title[:200],
            digest=found.digest,
            definition=found.text,
            recorded_at=utcnow(),
        )
        session.add(row)
        session.flush()
    elif row.digest != found.digest:
        raise InstrumentInvalid(
            f"{found.id}-{found.version}.json",
            "version",
            "the file changed after assessments were written against this version; "
            "save the change under a new version",
        )
    return row


def instrument_of(assessment: ScreeningAssessment) -> Instrument:
    """The version the assessment was written against, as recorded when first used."""
    row = assessment.recorded
    return instruments.parse(row.definition, f"{row.instrument} version {row.version}")


def _seal(session: Session, assessment: ScreeningAssessment, answers: Answers) -> None:
    """A fresh content key for the answers, sealed to the owning desk's current key."""
    desk_key = accounts_service.current_desk_key(session=session, desk_code=assessment.owner_nation)
    if desk_key is None:
        raise BadInput("desk", "the desk has no key yet")
    content_key = sealing.random_bytes()
    assessment.body = sealing.encrypt(content_key, json.dumps(answers, ensure_ascii=False).encode())
    assessment.wraps = [
        ScreeningAssessmentWrap(
            desk_key_id=desk_key.id, sealed_key=sealing.seal(desk_key.public_key, content_key)
        )
    ]


def _content_key(session: Session, keyring: Keyring, assessment: ScreeningAssessment) -> bytes:
    held = accounts_service.desk_private_keys(session=session, keyring=keyring)
    wrap = next((wrap for wrap in assessment.wraps if wrap.desk_key_id in held), None)
    if wrap is None:
        raise Forbidden("you hold none of the desk keys this assessment is sealed to")
    return sealing.unseal(held[wrap.desk_key_id], wrap.sealed_key)


def _answers(session: Session, keyring: Keyring, assessment: ScreeningAssessment) -> Answers:
    key = _content_key(session, keyring, assessment)
    opened: Answers = json.loads(sealing.decrypt(key, assessment.body))
    return opened


def _event(
    session: Session,
    *,
    principal: policy.Principal,
    secrets: ServerSecrets,
    case: Case,
    kind: str,
    assessment: ScreeningAssessment,
    **extra: str,
) -> None:
    """The case event (tier 2 detail: which assessment and version, never an answer)."""
    case_service.record_event(
        session=session,
        secrets=secrets,
        principal=principal,
        case=case,
        kind=kind,
        detail={
            "assessment": assessment.id,
            "instrument": f"{assessment.instrument} version {assessment.instrument_version}",
            **extra,
        },
    )


def create(
    *,
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    settings: Settings,
    case_id: str,
    answers: Mapping[str, object],
) -> ScreeningAssessment:
    """A draft against the newest instrument; answers are checked for type and choice (a draft
    may leave required questions for later)."""
    principal = keyring.principal
    policy.require_permission(principal, roles.SCREENING_WRITE)
    case = _own_case(session, principal, case_id)
    found = newest_instrument(settings)
    checked = instruments.check_answers(found, answers, complete=False)
    row = _recorded(session, found)
    now = utcnow()
    assessment = ScreeningAssessment(
        case_id=case.id,
        instrument=row.instrument,
        instrument_version=row.version,
        state=DRAFT,
        author_id=principal.officer_id,
        created_at=now,
        updated_at=now,
        owner_nation=case.owner_nation,
        classification=case.classification,
        release="",
    )
    assessment.recorded = row
    _seal(session, assessment, checked)
    session.add(assessment)
    session.flush()
    _event(
        session,
        principal=principal,
        secrets=secrets,
        case=case,
        kind="screening:assessment:write",
        assessment=assessment,
    )
    session.flush()
    return assessment


def _draft_of_author(
    session: Session, principal: policy.Principal, assessment_id: str
) -> ScreeningAssessment:
    assessment = _own(session, principal, assessment_id, roles.SCREENING_WRITE)
    if assessment.state != DRAFT:
        raise AssessmentLocked(
            "assessment", f"it was {assessment.state}; a submitted assessment is kept as it is"
        )
    if assessment.author_id != principal.officer_id:
        raise AssessmentLocked(
            "assessment", "only the officer who wrote this draft changes or submits it"
        )
    return assessment


def update(
    *,
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    assessment_id: str,
    answers: Mapping[str, object],
    submit: bool = False,
) -> ScreeningAssessment:
    """New answers for the author's draft (all of them: what is left out is unanswered); with
    `submit`, every required question must be answered and the draft goes to review."""
    principal = keyring.principal
    assessment = _draft_of_author(session, principal, assessment_id)
    checked = instruments.check_answers(instrument_of(assessment), answers, complete=submit)
    case = _own_case(session, principal, assessment.case_id)
    _seal(session, assessment, checked)
    assessment.updated_at = utcnow()
    _event(
        session,
        principal=principal,
        secrets=secrets,
        case=case,
        kind="screening:assessment:change",
        assessment=assessment,
    )
    if submit:
        _submit(session, principal, secrets, case, assessment)
    session.flush()
    return assessment


def submit(
    *, session: Session, keyring: Keyring, secrets: ServerSecrets, assessment_id: str
) -> ScreeningAssessment:
    """The author's draft, as saved, to review: refused, naming the question, while a required
    one is unanswered."""
    principal = keyring.principal
    assessment = _draft_of_author(session, principal, assessment_id)
    instruments.check_answers(
        instrument_of(assessment), _answers(session, keyring, assessment), complete=True
    )
    case = _own_case(session, principal, assessment.case_id)
    _submit(session, principal, secrets, case, assessment)
    session.flush()
    return assessment


def _submit(
    session: Session,
    principal: policy.Principal,
    secrets: ServerSecrets,
    case: Case,
    assessment: ScreeningAssessment,
) -> None:
    assessment.state, assessment.submitted_at = SUBMITTED, utcnow()
    assessment.updated_at = assessment.submitted_at
    _event(
        session,
        principal=principal,
        secrets=secrets,
        case=case,
        kind="screening:assessment:submit",
        assessment=assessment,
    )


def review(
    *,
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    assessment_id: str,
    decision: str,
    reasons: str,
) -> ScreeningAssessment:
    """A supervisor of the owning desk who did not write the assessment records the decision
    with its reasons (sealed). Eligible or refer moves the case from identity verified to
    cleared in the same transaction; not eligible leaves it where it is."""
    principal = keyring.principal
    assessment = _own(session, principal, assessment_id, roles.SCREENING_REVIEW)
    if decision not in DECISIONS:
        raise BadInput("decision", f"{decision!r} is not one of: {', '.join(DECISIONS)}")
    why = reasons.strip()
    if not why:
        raise BadInput("reasons", f"say why the decision is {DECISION_WORDS[decision]}")
    if len(why) > REASONS_MAX_CHARS:
        raise BadInput("reasons", f"longer than {REASONS_MAX_CHARS} characters")
    if assessment.author_id == principal.officer_id:
        raise ReviewRefused(
            "reviewer",
            f"{principal.username} wrote this assessment and cannot also review it; another "
            "supervisor of the desk must",
        )
    if assessment.state == DRAFT:
        raise ReviewRefused("assessment", "it is still a draft: its author submits it first")
    if assessment.state == REVIEWED:
        raise ReviewRefused("assessment", "it was already reviewed; its decision stands")
    case = _own_case(session, principal, assessment.case_id)
    stage = Stage(case.stage)
    if decision in CLEARING and stage is not Stage.IDENTITY_VERIFIED:
        raise ReviewRefused(
            "decision",
            f"{DECISION_WORDS[decision]} clears the case, and only a case whose identity is "
            f"verified is cleared; {case.reference} is {WORDS[stage]}",
        )
    key = _content_key(session, keyring, assessment)
    assessment.reasons = sealing.encrypt(key, why.encode())
    assessment.state, assessment.decision = REVIEWED, decision
    assessment.reviewer_id, assessment.decided_at = principal.officer_id, utcnow()
    _event(
        session,
        principal=principal,
        secrets=secrets,
        case=case,
        kind="screening:decision:record",
        assessment=assessment,
        decision=decision,
    )
    if decision in CLEARING:
        transitions.transition(
            session=session,
            keyring=keyring,
            secrets=secrets,
            case_id=case.id,
            to_stage=Stage.CLEARED.value,
            note=f"screening decision: {DECISION_WORDS[decision]}",
            via=THROUGH_SCREENING,
        )
    session.flush()
    return assessment


def open_assessment(*, session: Session, keyring: Keyring, assessment_id: str) -> AssessmentView:
    """The answers and reasons for an officer of the owning desk; each read is audited."""
    principal = keyring.principal
    assessment = _own(session, principal, assessment_id, roles.SCREENING_READ)
    key = _content_key(session, keyring, assessment)
    answers: Answers = json.loads(sealing.decrypt(key, assessment.body))
    reasons = sealing.decrypt(key, assessment.reasons).decode() if assessment.reasons else ""
    audit.record(
        session=session,
        actor=principal.audit_name,
        action="screening:assessment:read",
        resource_type="case",
        resource_id=assessment.case_id,
        nation=assessment.owner_nation,
    )
    return AssessmentView(
        id=assessment.id,
        case_id=assessment.case_id,
        instrument=instrument_of(assessment),
        state=assessment.state,
        author_id=assessment.author_id,
        created_at=assessment.created_at,
        updated_at=assessment.updated_at,
        submitted_at=assessment.submitted_at,
        answers=answers,
        decision=assessment.decision,
        reviewer_id=assessment.reviewer_id,
        decided_at=assessment.decided_at,
        reasons=reasons,
    )


def assessments_of(
    *, session: Session, principal: policy.Principal, case_id: str
) -> list[ScreeningAssessment]:
    """Every assessment of a case of this desk, oldest first (states and decisions only)."""
    policy.require_permission(principal, roles.SCREENING_READ)
    case = _own_case(session, principal, case_id)
    return list(
        session.scalars(
            select(ScreeningAssessment)
            .where(ScreeningAssessment.case_id == case.id)
            .order_by(ScreeningAssessment.created_at)
        )
    )


def for_case_page(
    *, session: Session, principal: policy.Principal, case_id: str, owner_nation: str
) -> list[ScreeningAssessment] | None:
    """The case's assessments for its page; None where this officer reads no screening of it
    (another nation, a role without it), so the page leaves the section out."""
    if owner_nation != principal.nation or not roles.may(principal.role, roles.SCREENING_READ):
        return None
    return assessments_of(session=session, principal=principal, case_id=case_id)


def require_reader(principal: policy.Principal) -> None:
    """403 for a role that reads no screening (the instrument included)."""
    policy.require_permission(principal, roles.SCREENING_READ)


def case_stage(*, session: Session, principal: policy.Principal, case_id: str) -> str:
    """The stage of a case of this desk (a review may just have moved it)."""
    return _own_case(session, principal, case_id).stage


def require_writer(principal: policy.Principal) -> None:
    """403 for a role that writes no assessment."""
    policy.require_permission(principal, roles.SCREENING_WRITE)


@dataclass(frozen=True)
class CaseHeading:
    """What a screening page says of its case: the reference and the stage, nothing more."""

    id: str
    reference: str
    stage: str


def case_heading(*, session: Session, principal: policy.Principal, case_id: str) -> CaseHeading:
    case = _own_case(session, principal, case_id)
    return CaseHeading(case.id, case.reference, case.stage)


@dataclass(frozen=True)
class WaitingReview:
    """A submitted assessment in a supervisor's queue: whose, by whom, since when."""

    id: str
    case_id: str
    reference: str
    stage: str
    author_id: str
    submitted_at: datetime


def waiting_for_review(
    *, session: Session, principal: policy.Principal, limit: int = 200
) -> list[WaitingReview]:
    """The desk's submitted assessments this supervisor may review (not their own), oldest
    first; the binding filters them to what this officer may see before they are sorted."""
    if not roles.may(principal.role, roles.SCREENING_REVIEW):
        return []
    binding.bind(session, principal)
    rows = session.execute(
        select(ScreeningAssessment, Case.reference, Case.stage)
        .join(Case, Case.id == ScreeningAssessment.case_id)
        .where(
            ScreeningAssessment.owner_nation == principal.nation,
            ScreeningAssessment.state == SUBMITTED,
            ScreeningAssessment.author_id != principal.officer_id,
        )
        .order_by(ScreeningAssessment.submitted_at, ScreeningAssessment.id)
        .limit(limit)
    )
    return [
        WaitingReview(
            id=found.id,
            case_id=found.case_id,
            reference=reference,
            stage=stage,
            author_id=found.author_id,
            submitted_at=found.submitted_at or found.updated_at,
        )
        for found, reference, stage in rows
    ]
