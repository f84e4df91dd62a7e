"""The two-person rule for plans: a supervisor of the owning desk who wrote no version of the
plan approves it, bound to `content_hash` (the sealed details, the point and the window). Any
change voids the approval, as a case event of its own; `is_approved` checks the hash again, so
a plan changed by any other path does not count as approved either."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from homeward.cases import service as case_service
from homeward.cases.models import Case
from homeward.core.db import utcnow
from homeward.core.errors import BadInput
from homeward.crypto import sealing
from homeward.crypto.keys import ServerSecrets
from homeward.passage import access
from homeward.passage.exceptions import ApprovalRefused
from homeward.passage.models import APPROVED, CANCELLED, PassagePlan, PassagePlanApproval
from homeward.policy import binding, roles
from homeward.policy import check as policy

VOID_CHANGED, VOID_CANCELLED = "plan changed", "plan cancelled"
HASH_CONTEXT = b"homeward:passage-plan:v1"
AUTHORS_MAX = 400
"""The `authors` column's width: twelve officers."""


def content_hash(plan: PassagePlan) -> bytes:
    """What an approval is bound to: the sealed details, the point and the window (and whose
    plan it is), each part length-prefixed so that no two plans hash alike."""
    parts = [
        HASH_CONTEXT,
        plan.id.encode(),
        plan.case_id.encode(),
        plan.point_id.encode(),
        plan.window_starts_at.astimezone(UTC).isoformat().encode(),
        plan.window_ends_at.astimezone(UTC).isoformat().encode(),
        plan.body,
    ]
    return sealing.sha256(b"".join(len(part).to_bytes(4, "big") + part for part in parts))


def authors(plan: PassagePlan) -> list[str]:
    """Every officer who wrote a version of the plan (none of them may approve it)."""
    return [officer_id for officer_id in plan.authors.split(",") if officer_id]


def with_author(plan: PassagePlan, officer_id: str) -> str:
    written = "," + ",".join(sorted({*authors(plan), officer_id})) + ","
    if len(written) > AUTHORS_MAX:
        raise BadInput("plan", "too many officers have written this plan; cancel it, book anew")
    return written


def live_approval(plan: PassagePlan) -> PassagePlanApproval | None:
    return next((a for a in reversed(plan.approvals) if a.voided_at is None), None)


def is_approved(plan: PassagePlan) -> bool:
    """Approved now: an approval not voided, whose hash is the plan's as it stands."""
    approval = live_approval(plan)
    return (
        plan.status == APPROVED
        and approval is not None
        and sealing.equal(approval.content_hash, content_hash(plan))
    )


def void(
    session: Session,
    principal: policy.Principal,
    secrets: ServerSecrets,
    *,
    case: Case,
    plan: PassagePlan,
    because: str,
) -> None:
    approval = live_approval(plan)
    if approval is None:
        return
    approval.voided_at, approval.voided_by, approval.void_reason = (
        utcnow(),
        principal.officer_id,
        because,
    )
    case_service.record_event(
        session=session,
        secrets=secrets,
        principal=principal,
        case=case,
        kind="passage:plan:approval:void",
        detail={"plan": plan.id, "because": because},
    )


def approve(
    *,
    session: Session,
    principal: policy.Principal,
    secrets: ServerSecrets,
    plan_id: str,
    now: datetime | None = None,
) -> PassagePlanApproval:
    """A supervisor of the owning desk who wrote no version approves this version."""
    policy.require_permission(principal, roles.PLAN_APPROVE)
    plan = access.own_plan(session, principal, plan_id)
    if plan.status == CANCELLED:
        raise ApprovalRefused("plan", "the plan is cancelled")
    if is_approved(plan):
        raise ApprovalRefused("plan", "the plan is already approved as it stands")
    if principal.officer_id in authors(plan):
        raise ApprovalRefused(
            "approver",
            f"{principal.username} wrote this plan and cannot also approve it; "
            "another supervisor of the desk must",
        )
    if plan.window_starts_at <= (now or utcnow()):
        raise ApprovalRefused("window", "the plan's window has begun or passed; re-book it")
    case = access.own_case(session, principal, plan.case_id)
    access.require_plannable(case, ApprovalRefused)
    digest = content_hash(plan)
    approval = PassagePlanApproval(
        approver_id=principal.officer_id, content_hash=digest, approved_at=utcnow()
    )
    plan.approvals.append(approval)
    plan.status = APPROVED
    case_service.record_event(
        session=session,
        secrets=secrets,
        principal=principal,
        case=case,
        kind="passage:plan:approve",
        detail={"plan": plan.id, "hash": digest.hex()},
    )
    session.flush()
    return approval


def approved_plan_for(
    *, session: Session, principal: policy.Principal, case: Case, now: datetime | None = None
) -> PassagePlan | None:
    """The case's next plan that is approved as it stands and whose window is to come: what
    moving the case to `passage_planned` needs."""
    binding.bind(session, principal)
    candidates = session.scalars(
        select(PassagePlan)
        .where(
            PassagePlan.case_id == case.id,
            PassagePlan.status == APPROVED,
            PassagePlan.window_starts_at > (now or utcnow()),
        )
        .order_by(PassagePlan.window_starts_at)
    )
    return next((plan for plan in candidates if is_approved(plan)), None)
