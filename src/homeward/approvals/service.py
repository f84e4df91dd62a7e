"""Approvals: an officer of the owning desk asks for a step on a case (today: closing it), and a
supervisor of the desk who did not ask approves or rejects the request, each with a comment.

The only code that changes approvals. Each step is a case event and an audit entry in the same
transaction (the case service's `record_event`); each read of the comments is an audit entry.
Comments are sealed like a case note. Approving a close request moves the case from
`repatriated` to `closed`: that move is made only here (`THROUGH_APPROVAL`), and the generic
stage route refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.accounts.service import Keyring
from homeward.approvals.exceptions import ApprovalConflict
from homeward.approvals.models import (
    APPROVED,
    CLOSE,
    KINDS,
    PENDING,
    REJECTED,
    Approval,
    ApprovalWrap,
)
from homeward.audit import service as audit
from homeward.cases import service as case_service
from homeward.cases import transitions
from homeward.cases.models import Case
from homeward.cases.states import THROUGH_APPROVAL, WORDS, Stage
from homeward.core.db import utcnow
from homeward.core.errors import BadInput, Forbidden, NotFound
from homeward.crypto import sealing
from homeward.crypto.keys import ServerSecrets
from homeward.policy import binding, roles
from homeward.policy import check as policy

COMMENT_MAX_CHARS = 4000
QUEUE_LIMIT = 200
MOVES = {CLOSE: (Stage.REPATRIATED, Stage.CLOSED)}
"""The move each kind of request makes once approved."""
ASKED = {CLOSE: "close the case"}
DECISIONS = ("approve", "reject")
"""What each kind asks, in words."""


@dataclass(frozen=True)
class ApprovalView:
    """An approval opened for an officer of the owning desk: its comments in clear."""

    id: str
    case_id: str
    kind: str
    asked: str
    state: str
    requested_by: str
    requested_at: datetime
    request_comment: str
    decided_by: str | None
    decided_at: datetime | None
    decision_comment: str
    names: dict[str, str]
    """The requester's and the decider's usernames by officer id."""


@dataclass(frozen=True)
class Waiting:
    """A pending request in the supervisor's queue (no comment: the case page opens it)."""

    id: str
    case_id: str
    reference: str
    stage: str
    kind: str
    asked: str
    requested_by: str
    requested_at: datetime


def _own_case(session: Session, principal: policy.Principal, case_id: str) -> Case:
    case = case_service.get_case(
        session=session, principal=principal, case_id=case_id, permission=roles.CASE_READ
    )
    if case.owner_nation != principal.nation:
        raise NotFound("case")  # sealed to the owning desk alone: no other nation reads it
    return case


def _own(
    session: Session, principal: policy.Principal, approval_id: str, permission: str
) -> Approval:
    """An approval of this officer's desk, if the role may do `permission`; NotFound as if it
    did not exist otherwise."""
    policy.require_permission(principal, permission)
    binding.bind(session, principal)
    found = session.get(Approval, approval_id)
    policy.check(principal, roles.APPROVAL_READ, found, "approval")
    assert found is not None  # noqa: S101 - policy.check raised otherwise
    if found.owner_nation != principal.nation:
        raise NotFound("approval")
    return found


def _comment(field: str, text: str, why: str) -> str:
    comment = text.strip()
    if not comment:
        raise BadInput(field, f"it is empty; {why}")
    if len(comment) > COMMENT_MAX_CHARS:
        raise BadInput(field, f"longer than {COMMENT_MAX_CHARS} characters")
    return comment


def _content_key(session: Session, keyring: Keyring, approval: Approval) -> bytes:
    held = accounts_service.desk_private_keys(session=session, keyring=keyring)
    wrap = next((wrap for wrap in approval.wraps if wrap.desk_key_id in held), None)
    if wrap is None:
        raise Forbidden("you hold none of the desk keys this approval is sealed to")
    return sealing.unseal(held[wrap.desk_key_id], wrap.sealed_key)


def _event(
    session: Session,
    *,
    principal: policy.Principal,
    secrets: ServerSecrets,
    case: Case,
    kind: str,
    approval: Approval,
) -> None:
    """The case event (tier 2 detail: which request and what it asks, never a comment)."""
    case_service.record_event(
        session=session,
        secrets=secrets,
        principal=principal,
        case=case,
        kind=kind,
        detail={"approval": approval.id, "asks": ASKED[approval.kind]},
    )


def pending_of(*, session: Session, principal: policy.Principal, case_id: str) -> Approval | None:
    policy.require_permission(principal, roles.APPROVAL_READ)
    binding.bind(session, principal)
    return session.scalars(
        select(Approval).where(Approval.case_id == case_id, Approval.state == PENDING)
    ).first()


def request(
    *,
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    case_id: str,
    kind: str,
    comment: str,
) -> Approval:
    """A request of `kind` for a case of this desk, at the stage the kind moves from, with a
    sealed comment; one pending request per case at a time."""
    principal = keyring.principal
    policy.require_permission(principal, roles.APPROVAL_REQUEST)
    if kind not in KINDS:
        raise BadInput("kind", f"{kind!r} is not one of: {', '.join(KINDS)}")
    text = _comment("comment", comment, f"say why the desk asks to {ASKED[kind]}")
    case = _own_case(session, principal, case_id)
    source = MOVES[kind][0]
    if case.stage != source.value:
        raise ApprovalConflict(
            "case",
            f"only a case that is {WORDS[source]} can be asked to {ASKED[kind]}; "
            f"{case.reference} is {WORDS[Stage(case.stage)]}",
        )
    if pending_of(session=session, principal=principal, case_id=case.id) is not None:
        raise ApprovalConflict(
            "case", f"{case.reference} already has a request waiting for a supervisor"
        )
    desk_key = accounts_service.current_desk_key(session=session, desk_code=case.owner_nation)
    if desk_key is None:
        raise BadInput("desk", "the desk has no key yet")
    content_key = sealing.random_bytes()
    approval = Approval(
        case_id=case.id,
        kind=kind,
        state=PENDING,
        requested_by=principal.officer_id,
        requested_at=utcnow(),
        request_comment=sealing.encrypt(content_key, text.encode()),
        owner_nation=case.owner_nation,
        classification=case.classification,
        release="",
    )
    approval.wraps.append(
        ApprovalWrap(
            desk_key_id=desk_key.id, sealed_key=sealing.seal(desk_key.public_key, content_key)
        )
    )
    session.add(approval)
    session.flush()
    _event(
        session,
        principal=principal,
        secrets=secrets,
        case=case,
        kind="approval:request",
        approval=approval,
    )
    session.flush()
    return approval


def decide(
    *,
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    approval_id: str,
    decision: str,
    comment: str,
) -> Approval:
    """A supervisor of the owning desk who did not ask approves or rejects the request
    (`decision`: approve or reject), with a sealed comment. Approving a close request closes
    the case in the same transaction."""
    principal = keyring.principal
    approval = _own(session, principal, approval_id, roles.APPROVAL_DECIDE)
    if decision not in DECISIONS:
        raise BadInput("decision", f"{decision!r} is not one of: {', '.join(DECISIONS)}")
    verb, approve = decision, decision == "approve"
    text = _comment("comment", comment, f"say why you {verb} the request")
    if approval.requested_by == principal.officer_id:
        raise ApprovalConflict(
            "approver",
            f"{principal.username} asked for this and cannot also {verb} it; another "
            "supervisor of the desk must",
        )
    if approval.state != PENDING:
        raise ApprovalConflict("approval", f"it was already {approval.state}; its answer stands")
    case = _own_case(session, principal, approval.case_id)
    source, target = MOVES[approval.kind]
    if approve and case.stage != source.value:
        raise ApprovalConflict(
            "case",
            f"the case moved since the request: {case.reference} is "
            f"{WORDS[Stage(case.stage)]}, not {WORDS[source]}; reject the request",
        )
    key = _content_key(session, keyring, approval)
    approval.decision_comment = sealing.encrypt(key, text.encode())
    approval.state = APPROVED if approve else REJECTED
    approval.decided_by, approval.decided_at = principal.officer_id, utcnow()
    _event(
        session,
        principal=principal,
        secrets=secrets,
        case=case,
        kind=f"approval:{approval.state}",
        approval=approval,
    )
    if approve:
        transitions.transition(
            session=session,
            keyring=keyring,
            secrets=secrets,
            case_id=case.id,
            to_stage=target.value,
            note=f"approved request to {ASKED[approval.kind]}",
            via=THROUGH_APPROVAL,
        )
    session.flush()
    return approval


def open_approvals(*, session: Session, keyring: Keyring, case_id: str) -> list[ApprovalView]:
    """The case's requests, newest first, with their comments, for an officer of the owning
    desk; each opening is audited."""
    principal = keyring.principal
    policy.require_permission(principal, roles.APPROVAL_READ)
    case = _own_case(session, principal, case_id)
    found = list(
        session.scalars(
            select(Approval)
            .where(Approval.case_id == case.id)
            .order_by(Approval.requested_at.desc(), Approval.id)
        )
    )
    views = []
    names = _names(session, {a.requested_by for a in found} | {a.decided_by or "" for a in found})
    for approval in found:
        key = _content_key(session, keyring, approval)
        decided = approval.decision_comment
        views.append(
            ApprovalView(
                id=approval.id,
                case_id=approval.case_id,
                kind=approval.kind,
                asked=ASKED[approval.kind],
                state=approval.state,
                requested_by=approval.requested_by,
                requested_at=approval.requested_at,
                request_comment=sealing.decrypt(key, approval.request_comment).decode(),
                decided_by=approval.decided_by,
                decided_at=approval.decided_at,
                decision_comment=sealing.decrypt(key, decided).decode() if decided else "",
                names=names,
            )
        )
    if views:
        audit.record(
            session=session,
            actor=principal.audit_name,
            action="approval:comment:read",
            resource_type="case",
            resource_id=case.id,
            nation=case.owner_nation,
        )
    return views


def _names(session: Session, officer_ids: set[str]) -> dict[str, str]:
    names = {}
    for officer_id in officer_ids - {""}:
        officer = accounts_service.get_officer(session=session, officer_id=officer_id)
        names[officer_id] = officer.username if officer else "a former officer"
    return names


def open_approval(*, session: Session, keyring: Keyring, approval_id: str) -> ApprovalView:
    """One request with its comments, for an officer of the owning desk (audited)."""
    approval = _own(session, keyring.principal, approval_id, roles.APPROVAL_READ)
    found = open_approvals(session=session, keyring=keyring, case_id=approval.case_id)
    return next(view for view in found if view.id == approval.id)


def for_case_page(
    *, session: Session, keyring: Keyring, case_id: str, owner_nation: str
) -> list[ApprovalView] | None:
    """The case's requests for its page; None where this officer reads none of them (another
    nation, a role without approvals), so the page leaves the card out."""
    principal = keyring.principal
    if owner_nation != principal.nation or not roles.may(principal.role, roles.APPROVAL_READ):
        return None
    return open_approvals(session=session, keyring=keyring, case_id=case_id)


def waiting(*, session: Session, principal: policy.Principal) -> list[Waiting]:
    """The desk's pending requests this supervisor may answer (not their own), oldest first:
    the binding filters them to what this officer may see before they are sorted."""
    policy.require_permission(principal, roles.APPROVAL_DECIDE)
    binding.bind(session, principal)
    rows = session.execute(
        select(Approval, Case.reference, Case.stage)
        .join(Case, Case.id == Approval.case_id)
        .where(
            Approval.owner_nation == principal.nation,
            Approval.state == PENDING,
            Approval.requested_by != principal.officer_id,
        )
        .order_by(Approval.requested_at, Approval.id)
        .limit(QUEUE_LIMIT)
    )
    return [
        Waiting(
            id=approval.id,
            case_id=approval.case_id,
            reference=reference,
            stage=stage,
            kind=approval.kind,
            asked=ASKED[approval.kind],
            requested_by=approval.requested_by,
            requested_at=approval.requested_at,
        )
        for approval, reference, stage in rows
    ]


@dataclass(frozen=True)
class CaseHeading:
    """What an approval page says of its case: the reference and the stage."""

    id: str
    reference: str
    stage: str


def case_heading(*, session: Session, principal: policy.Principal, case_id: str) -> CaseHeading:
    """403 for a role without approvals, 404 for a case of another desk."""
    policy.require_permission(principal, roles.APPROVAL_READ)
    case = _own_case(session, principal, case_id)
    return CaseHeading(case.id, case.reference, case.stage)


def may_decide(principal: policy.Principal, view: ApprovalView) -> bool:
    """Whether this officer is offered the answer: a supervisor who did not ask, while it
    waits (the service checks again when the answer comes)."""
    return (
        view.state == PENDING
        and roles.may(principal.role, roles.APPROVAL_DECIDE)
        and view.requested_by != principal.officer_id
    )
