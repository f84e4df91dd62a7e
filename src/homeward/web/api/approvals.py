"""Approvals under /api/v1/approvals: the supervisor's queue, a case's requests with their
comments, asking for a case to be closed, and answering a request. The same services and policy
as the pages; approving a close request closes the case, and the answer says so."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from homeward.accounts.service import Keyring
from homeward.approvals import service as approvals
from homeward.core.errors import Forbidden
from homeward.web import queue as supervisor_queue
from homeward.web.api.deps import ERRORS, Officer, Problem
from homeward.web.deps import DbSession, runtime_of

router = APIRouter(prefix="/api/v1/approvals", tags=["approvals"])
APPROVAL_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    409: {"model": Problem, "description": "The requester, the request's or the case's state"},
}
Comment = Annotated[str, Field(max_length=approvals.COMMENT_MAX_CHARS * 2)]


class QueueItemOut(BaseModel):
    kind: str = Field(examples=["close", "review", "plan"])
    target_id: str
    """The approval, the screening assessment or the passage plan."""
    case_id: str
    reference: str
    stage: str
    asked: str
    asked_by: str
    since: datetime


class ApprovalOut(BaseModel):
    id: str
    case_id: str
    kind: str
    state: str
    requested_by: str
    requested_at: datetime
    request_comment: str
    decided_by: str | None
    decided_at: datetime | None
    decision_comment: str
    case_stage: str


class RequestIn(BaseModel):
    kind: str = Field(max_length=24, examples=["close"])
    comment: Comment


class DecisionIn(BaseModel):
    comment: Comment


@router.get("/queue", operation_id="approval_queue", responses=APPROVAL_ERRORS)
def queue(session: DbSession, keyring: Officer) -> list[QueueItemOut]:
    """Oldest first: close requests, assessments to review, plans to approve (supervisors)."""
    principal = keyring.principal
    if not supervisor_queue.may_see(principal):
        raise Forbidden("only a supervisor has a queue of approvals")
    return [
        QueueItemOut(
            kind=item.kind,
            target_id=item.target_id,
            case_id=item.case_id,
            reference=item.reference,
            stage=item.stage,
            asked=item.asked,
            asked_by=item.asked_by,
            since=item.since,
        )
        for item in supervisor_queue.queue(session=session, principal=principal)
    ]


def _out(session: Session, keyring: Keyring, view: approvals.ApprovalView) -> ApprovalOut:
    heading = approvals.case_heading(
        session=session, principal=keyring.principal, case_id=view.case_id
    )
    return ApprovalOut(
        id=view.id,
        case_id=view.case_id,
        kind=view.kind,
        state=view.state,
        requested_by=view.names.get(view.requested_by, ""),
        requested_at=view.requested_at,
        request_comment=view.request_comment,
        decided_by=view.names.get(view.decided_by) if view.decided_by else None,
        decided_at=view.decided_at,
        decision_comment=view.decision_comment,
        case_stage=heading.stage,
    )


@router.get("/cases/{case_id}", operation_id="list_approvals", responses=APPROVAL_ERRORS)
def list_approvals(session: DbSession, case_id: str, keyring: Officer) -> list[ApprovalOut]:
    """The case's requests, newest first, with their comments (each read audited)."""
    found = approvals.open_approvals(session=session, keyring=keyring, case_id=case_id)
    return [_out(session, keyring, view) for view in found]


@router.post(
    "/cases/{case_id}",
    operation_id="request_approval",
    status_code=201,
    responses=APPROVAL_ERRORS,
)
def request_approval(
    request: Request, session: DbSession, case_id: str, body: RequestIn, keyring: Officer
) -> ApprovalOut:
    made = approvals.request(
        session=session,
        keyring=keyring,
        secrets=runtime_of(request).secrets,
        case_id=case_id,
        kind=body.kind,
        comment=body.comment,
    )
    view = approvals.open_approval(session=session, keyring=keyring, approval_id=made.id)
    return _out(session, keyring, view)


def _decide(
    request: Request,
    session: Session,
    keyring: Keyring,
    approval_id: str,
    *,
    decision: str,
    text: str,
) -> ApprovalOut:
    approvals.decide(
        session=session,
        keyring=keyring,
        secrets=runtime_of(request).secrets,
        approval_id=approval_id,
        decision=decision,
        comment=text,
    )
    view = approvals.open_approval(session=session, keyring=keyring, approval_id=approval_id)
    return _out(session, keyring, view)


@router.post("/{approval_id}/approve", operation_id="approve_request", responses=APPROVAL_ERRORS)
def approve(
    request: Request, session: DbSession, approval_id: str, body: DecisionIn, keyring: Officer
) -> ApprovalOut:
    """A supervisor of the desk who did not ask; a close request closes the case."""
    return _decide(request, session, keyring, approval_id, decision="approve", text=body.comment)


@router.post("/{approval_id}/reject", operation_id="reject_request", responses=APPROVAL_ERRORS)
def reject(
    request: Request, session: DbSession, approval_id: str, body: DecisionIn, keyring: Officer
) -> ApprovalOut:
    return _decide(request, session, keyring, approval_id, decision="reject", text=body.comment)
