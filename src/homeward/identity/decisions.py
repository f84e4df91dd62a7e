"""Officers' decisions on a pair of reports. Nothing joins two persons without one: `confirm`
merges the younger person into the older (whose id survives, and the merge is recorded);
`reject` keeps them apart, and the pair is never proposed again. Each decision is stored and
audited here; the event on the case(s) the two reports come from is written by `cases.flows`
(`decide`), from the notes the decision returns, so identity imports nothing of cases."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from homeward.audit import service as audit
from homeward.core.db import utcnow
from homeward.core.errors import BadInput, HomewardError, NotFound
from homeward.crypto.keys import ServerSecrets
from homeward.identity.models import IdentityDecision, Person, PersonMerge, StoredReport
from homeward.policy import binding, roles
from homeward.policy import check as policy

CONFIRM, REJECT = "confirm", "reject"
REASON_MAX = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class DecisionConflict(HomewardError):
    """The pair was already decided, or the two reports are already one person."""


@dataclass(frozen=True)
class CaseNote:
    case_id: str
    kind: str
    detail: dict[str, object]


@dataclass(frozen=True)
class Decided:
    id: str
    decision: str
    left_report_id: str
    right_report_id: str
    person_id: str | None
    """After a confirm, the person both reports now belong to."""
    case_notes: tuple[CaseNote, ...] = ()
    """What the timeline of each case behind the two reports should say (`cases.flows`
    writes it, where the officer may see the case)."""


def _reason(text: str) -> str:
    text = text.strip()
    if len(text) > REASON_MAX:
        raise BadInput("reason", f"longer than {REASON_MAX} characters")
    if _CONTROL.search(text):
        raise BadInput("reason", "contains control characters")
    return text


def _visible(session: Session, report_id: str, field: str) -> StoredReport:
    if not report_id.strip():
        raise BadInput(field, "is empty")
    row = session.get(StoredReport, report_id)
    if row is None:
        raise NotFound("report")
    return row


def decide(
    *,
    session: Session,
    secrets: ServerSecrets,
    principal: policy.Principal,
    report_id: str,
    other_report_id: str,
    decision: str,
    reason: str = "",
    probability: float | None = None,
) -> Decided:
    """Confirm or reject that two reports are one person. The officer must see both, and be of
    the nation that owns at least one of them (a nation they were only released to reads
    them, never decides)."""
    policy.require_permission(principal, roles.IDENTITY_DECIDE)
    if decision not in (CONFIRM, REJECT):
        raise BadInput("decision", "confirm or reject")
    reason = _reason(reason)
    if report_id == other_report_id:
        raise BadInput("other_report_id", "is the same report")
    binding.bind(session, principal)
    first = _visible(session, report_id, "report_id")
    second = _visible(session, other_report_id, "other_report_id")
    if principal.nation not in (first.owner_nation, second.owner_nation):
        raise NotFound("report")
    left, right = sorted((first, second), key=lambda row: row.id)
    earlier = session.scalar(
        select(IdentityDecision).where(
            IdentityDecision.left_report_id == left.id,
            IdentityDecision.right_report_id == right.id,
        )
    )
    if earlier is not None:
        raise DecisionConflict(f"this pair was already decided: {earlier.decision}")
    if left.person_id == right.person_id:
        raise DecisionConflict("these reports are already one person")
    now = utcnow()
    row = IdentityDecision(
        left_report_id=left.id,
        right_report_id=right.id,
        decision=decision,
        reason_sealed=secrets.seal_field(reason) if reason else None,
        officer_id=principal.officer_id,
        nation=principal.nation,
        decided_at=now,
        probability=f"{probability:.6f}" if probability is not None else None,
    )
    session.add(row)
    session.flush()
    survivor = _merge(session, left, right, row) if decision == CONFIRM else None
    audit.record(
        session=session,
        actor=principal.audit_name,
        action=f"identity:link:{decision}",
        resource_type="identity_decision",
        resource_id=row.id,
        nation=principal.nation,
    )
    notes = tuple(
        _case_note(this.case_id, other, row, survivor, reason)
        for this, other in ((first, second), (second, first))
        if this.case_id is not None
    )
    session.flush()
    return Decided(row.id, decision, left.id, right.id, survivor, notes)


def _case_note(
    case_id: str,
    other: StoredReport,
    decision: IdentityDecision,
    person_id: str | None,
    reason: str,
) -> CaseNote:
    detail: dict[str, object] = {"decision": decision.decision, "report": other.id}
    if other.case_id:
        detail["case"] = other.case_id
    if person_id:
        detail["person"] = person_id
    if reason:
        detail["reason"] = reason
    return CaseNote(case_id, f"identity:link:{decision.decision}", detail)


def _merge(
    session: Session, left: StoredReport, right: StoredReport, decision: IdentityDecision
) -> str:
    """The older person absorbs the younger: every report of it (those the officer cannot see
    included) moves, and so does anything merged into it before."""
    people = {
        person.id: person
        for person in session.scalars(
            select(Person).where(Person.id.in_([left.person_id, right.person_id]))
        )
    }
    older, younger = sorted(people.values(), key=lambda person: (person.created_at, person.id))
    now = utcnow()
    session.execute(
        update(StoredReport)
        .where(StoredReport.person_id == younger.id)
        .values(person_id=older.id)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Person).where(Person.merged_into == younger.id).values(merged_into=older.id)
    )
    younger.merged_into, younger.merged_at = older.id, now
    session.add(
        PersonMerge(
            survivor_id=older.id, merged_id=younger.id, decision_id=decision.id, merged_at=now
        )
    )
    session.flush()
    session.expire_all()
    return older.id


def check_case_decision(*, decision: str, reason: str, report_id: str) -> None:
    """What a decision for a case must say before the case is indexed for it
    (`cases.flows.decide_for_case`)."""
    if decision not in (CONFIRM, REJECT):
        raise BadInput("decision", "confirm or reject")
    _reason(reason)
    if not report_id.strip():
        raise BadInput("report_id", "is empty")
