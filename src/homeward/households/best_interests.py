"""A child's best-interests assessment: written by an officer of the owning desk on a child's
case (cases/children.py decides whose), its outcome sealed to the desk like a case note.

Each record is a case event and an audit entry; each read of an outcome is an audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.accounts.service import Keyring
from homeward.audit import service as audit
from homeward.cases import children
from homeward.cases import service as case_service
from homeward.cases.models import Case
from homeward.core.db import utcnow
from homeward.core.errors import BadInput, Forbidden, NotFound
from homeward.crypto import sealing
from homeward.crypto.keys import ServerSecrets
from homeward.households.models import BestInterests, BestInterestsWrap
from homeward.policy import binding, roles
from homeward.policy import check as policy

OUTCOME_MAX_CHARS = 8000


@dataclass(frozen=True)
class Opened:
    id: str
    case_id: str
    author_id: str
    assessed_at: datetime
    outcome: str


def _own_case(session: Session, principal: policy.Principal, case_id: str, permission: str) -> Case:
    policy.require_permission(principal, permission)
    case = case_service.get_case(
        session=session, principal=principal, case_id=case_id, permission=roles.CASE_READ
    )
    if case.owner_nation != principal.nation:
        raise NotFound("case")  # sealed to the owning desk alone
    return case


def record(
    *, session: Session, keyring: Keyring, secrets: ServerSecrets, case_id: str, outcome: str
) -> BestInterests:
    """The assessment of a child's case; refused on a case that is not a child's, naming why."""
    principal = keyring.principal
    case = _own_case(session, principal, case_id, roles.BEST_INTERESTS_WRITE)
    text = outcome.strip()
    if not text:
        raise BadInput("outcome", "write the assessment's outcome")
    if len(text) > OUTCOME_MAX_CHARS:
        raise BadInput("outcome", f"longer than {OUTCOME_MAX_CHARS} characters")
    age = children.age(session, secrets, case)
    if age is None:
        raise BadInput(
            "case",
            f"{case.reference} has no date of birth and no age estimate: record the age first",
        )
    if not age.child:
        raise BadInput("case", f"{case.reference} is not a child's case ({age.because})")
    desk_key = accounts_service.current_desk_key(session=session, desk_code=case.owner_nation)
    if desk_key is None:
        raise BadInput("desk", "the desk has no key yet")
    content_key = sealing.random_bytes()
    assessment = BestInterests(
        case_id=case.id,
        author_id=principal.officer_id,
        assessed_at=utcnow(),
        body=sealing.encrypt(content_key, text.encode()),
        owner_nation=case.owner_nation,
        classification=case.classification,
        release="",
    )
    assessment.wraps = [
        BestInterestsWrap(
            desk_key_id=desk_key.id, sealed_key=sealing.seal(desk_key.public_key, content_key)
        )
    ]
    session.add(assessment)
    session.flush()
    case_service.record_event(
        session=session,
        secrets=secrets,
        principal=principal,
        case=case,
        kind="child:best-interests:record",
        detail={"assessment": assessment.id},
    )
    session.flush()
    return assessment


def of_case(*, session: Session, principal: policy.Principal, case_id: str) -> list[BestInterests]:
    """The case's assessments, oldest first (who and when; the outcome stays sealed)."""
    _own_case(session, principal, case_id, roles.BEST_INTERESTS_READ)
    return list(
        session.scalars(
            select(BestInterests)
            .where(BestInterests.case_id == case_id)
            .order_by(BestInterests.assessed_at, BestInterests.id)
        )
    )


def open_outcome(
    *, session: Session, keyring: Keyring, assessment_id: str, case_id: str | None = None
) -> Opened:
    """The outcome for an officer of the owning desk (of `case_id`, when given); each read is
    audited."""
    principal = keyring.principal
    policy.require_permission(principal, roles.BEST_INTERESTS_READ)
    binding.bind(session, principal)
    found = session.get(BestInterests, assessment_id)
    policy.check(principal, roles.BEST_INTERESTS_READ, found, "best-interests assessment")
    assert found is not None  # noqa: S101 - policy.check raised otherwise
    if found.owner_nation != principal.nation or case_id not in {None, found.case_id}:
        raise NotFound("best-interests assessment")
    held = accounts_service.desk_private_keys(session=session, keyring=keyring)
    wrap = next((wrap for wrap in found.wraps if wrap.desk_key_id in held), None)
    if wrap is None:
        raise Forbidden("you hold none of the desk keys this assessment is sealed to")
    text = sealing.decrypt(sealing.unseal(held[wrap.desk_key_id], wrap.sealed_key), found.body)
    audit.record(
        session=session,
        actor=principal.audit_name,
        action="child:best-interests:read",
        resource_type="case",
        resource_id=found.case_id,
        nation=found.owner_nation,
    )
    return Opened(found.id, found.case_id, found.author_id, found.assessed_at, text.decode())
