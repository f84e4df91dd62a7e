"""Approval pages: the supervisor's queue (close requests, assessments to review, plans to
approve, oldest first), the form that asks for a case to be closed, and the page where a
supervisor who did not ask approves or rejects the request. Each action runs in a savepoint,
so a refusal comes back on the same page with the reason and what was typed, and stores
nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from homeward.accounts.service import Keyring
from homeward.approvals import service as approvals
from homeward.approvals.models import CLOSE
from homeward.core.db import utcnow
from homeward.core.errors import BadInput, Forbidden
from homeward.web import queue as supervisor_queue
from homeward.web.deps import DbSession, runtime_of
from homeward.web.errors import status_of
from homeward.web.officer.deps import SignedIn, render, require_csrf

router = APIRouter(prefix="/officer", include_in_schema=False)
Text = Annotated[str, Form(max_length=approvals.COMMENT_MAX_CHARS * 2)]


def waited(since: datetime, now: datetime | None = None) -> str:
    """How long something has waited, in the largest whole unit: "3 days", "5 hours"."""
    now = now or utcnow()
    since = since if since.tzinfo else since.replace(tzinfo=UTC)
    seconds = max(0, int((now - since).total_seconds()))
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return "under a minute"


@router.get("/approvals")
def queue_page(request: Request, session: DbSession, keyring: SignedIn) -> Response:
    principal = keyring.principal
    if not supervisor_queue.may_see(principal):
        raise Forbidden("only a supervisor has a queue of approvals")
    items = supervisor_queue.queue(session=session, principal=principal)
    return render(
        request, "approvals.html", principal=principal, items=items, waited=waited, now=utcnow()
    )


def _request_page(
    request: Request,
    session: Session,
    keyring: Keyring,
    case_id: str,
    *,
    refusal: BadInput | None = None,
    typed: str = "",
    status_code: int = 200,
) -> Response:
    principal = keyring.principal
    case = approvals.case_heading(session=session, principal=principal, case_id=case_id)
    return render(
        request,
        "approval.html",
        status_code=status_code,
        principal=principal,
        case=case,
        approval=None,
        refusal=refusal,
        typed=typed,
    )


@router.get("/cases/{case_id}/close-request")
def request_form(request: Request, session: DbSession, case_id: str, keyring: SignedIn) -> Response:
    return _request_page(request, session, keyring, case_id)


@router.post("/cases/{case_id}/close-request")
def ask_to_close(
    request: Request,
    session: DbSession,
    case_id: str,
    *,
    keyring: SignedIn,
    comment: Text = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    require_csrf(request, csrf)
    try:
        with session.begin_nested():
            approvals.request(
                session=session,
                keyring=keyring,
                secrets=runtime_of(request).secrets,
                case_id=case_id,
                kind=CLOSE,
                comment=comment,
            )
    except BadInput as exc:
        return _request_page(
            request,
            session,
            keyring,
            case_id,
            refusal=exc,
            typed=comment,
            status_code=status_of(exc),
        )
    return RedirectResponse(f"/officer/cases/{case_id}#approvals", status_code=303)


def _decision_page(
    request: Request,
    session: Session,
    keyring: Keyring,
    approval_id: str,
    *,
    refusal: BadInput | None = None,
    typed: str = "",
    status_code: int = 200,
) -> Response:
    principal = keyring.principal
    view = approvals.open_approval(session=session, keyring=keyring, approval_id=approval_id)
    case = approvals.case_heading(session=session, principal=principal, case_id=view.case_id)
    return render(
        request,
        "approval.html",
        status_code=status_code,
        principal=principal,
        case=case,
        approval=view,
        may_decide=approvals.may_decide(principal, view),
        refusal=refusal,
        typed=typed,
        waited=waited,
    )


@router.get("/approvals/{approval_id}")
def decision_page(
    request: Request, session: DbSession, approval_id: str, keyring: SignedIn
) -> Response:
    return _decision_page(request, session, keyring, approval_id)


@router.post("/approvals/{approval_id}")
def decide(
    request: Request,
    session: DbSession,
    approval_id: str,
    *,
    keyring: SignedIn,
    decision: Annotated[str, Form(max_length=20)] = "",
    comment: Text = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    require_csrf(request, csrf)
    try:
        with session.begin_nested():
            done = approvals.decide(
                session=session,
                keyring=keyring,
                secrets=runtime_of(request).secrets,
                approval_id=approval_id,
                decision=decision,
                comment=comment,
            )
    except BadInput as exc:
        return _decision_page(
            request,
            session,
            keyring,
            approval_id,
            refusal=exc,
            typed=comment,
            status_code=status_of(exc),
        )
    return RedirectResponse(f"/officer/cases/{done.case_id}#approvals", status_code=303)
