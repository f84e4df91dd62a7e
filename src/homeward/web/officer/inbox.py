"""Officer pages: sign-in with password and TOTP, the desk's start page and inbox,
conversations, replies, a letter's files."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.cases import listing as case_listing
from homeward.cases import transfers as case_transfers
from homeward.contact import inbox as inbox_service
from homeward.core.runtime import Runtime
from homeward.policy import roles
from homeward.policy.check import Principal
from homeward.web import officer_auth
from homeward.web.deps import DbSession, runtime_of
from homeward.web.downloads import download_response
from homeward.web.officer.deps import SignedIn, render, require_csrf
from homeward.web.params import Flag, Page
from homeward.web.security import ANON_COOKIE, DEVICE_COOKIE, DEVICE_COOKIE_DAYS, OFFICER_COOKIE

router = APIRouter(prefix="/officer", include_in_schema=False)


@router.get("/signin")
def signin_form(request: Request, ended: Flag = 0) -> Response:
    return render(request, "signin.html", ended=bool(ended))


@router.post("/signin")
def signin(
    request: Request,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    code: Annotated[str, Form(max_length=12)],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    require_csrf(request, csrf)
    runtime = runtime_of(request)
    signed = officer_auth.sign_in(
        runtime, username, password, code, device=request.cookies.get(DEVICE_COOKIE)
    )
    response = RedirectResponse("/officer/", status_code=303)
    response.set_cookie(
        OFFICER_COOKIE,
        signed.token,
        httponly=True,
        samesite="strict",
        secure=runtime.settings.secure_cookies,
        path="/officer",
    )
    response.set_cookie(
        DEVICE_COOKIE,
        signed.device,
        max_age=DEVICE_COOKIE_DAYS * 24 * 3600,
        httponly=True,
        samesite="strict",
        secure=runtime.settings.secure_cookies,
        path="/officer/signin",
    )
    response.delete_cookie(ANON_COOKIE, path="/")
    return response


@router.post("/signout")
def signout(request: Request, session: DbSession, csrf: Annotated[str, Form()] = "") -> Response:
    require_csrf(request, csrf)
    officer_auth.sign_out(session, request.cookies.get(OFFICER_COOKIE))
    response = RedirectResponse("/officer/signin", status_code=303)
    response.delete_cookie(OFFICER_COOKIE, path="/officer")
    return response


@router.get("/inbox")
def inbox(
    request: Request, session: DbSession, keyring: SignedIn, page: Page = 1, starred: Flag = 0
) -> Response:
    principal = keyring.principal
    desk = desk_summary(session, runtime_of(request), principal)
    rows, total = inbox_service.inbox(
        session=session, principal=principal, page=page, starred_only=bool(starred)
    )
    pages = max(1, -(-total // inbox_service.PAGE_SIZE))
    return render(
        request,
        "inbox.html",
        principal=principal,
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        starred=bool(starred),
        desk=desk,
    )


@dataclass(frozen=True)
class DeskSummary:
    stale_cases: int | None
    incoming_transfers: int | None
    """None where the role may not see them at all."""


def desk_summary(session: Session, runtime: Runtime, principal: Principal) -> DeskSummary:
    """What the start page flags so that nobody is forgotten: cases that sat in their stage
    too long, and transfers waiting for this desk's answer."""
    stale = None
    if roles.may(principal.role, roles.CASE_LIST):
        stale = case_listing.count_stale(
            session=session, principal=principal, settings=runtime.settings
        )
    waiting = None
    if roles.may(principal.role, roles.CASE_ACCEPT):
        waiting = len(
            case_transfers.incoming(session=session, principal=principal, secrets=runtime.secrets)
        )
    return DeskSummary(stale, waiting)


@router.get("/conversations/{conversation_id}")
def conversation(
    request: Request, session: DbSession, conversation_id: str, keyring: SignedIn
) -> Response:
    view = inbox_service.read(session=session, keyring=keyring, conversation_id=conversation_id)
    desks = [d.code for d in accounts_service.list_desks(session=session) if not d.is_coordination]
    can_route = roles.may(keyring.principal.role, roles.CONVERSATION_ROUTE) and (
        view.desk == keyring.principal.nation
    )
    return render(
        request,
        "conversation.html",
        principal=keyring.principal,
        view=view,
        desks=desks,
        can_route=can_route,
    )


@router.post("/conversations/{conversation_id}/reply")
def reply(
    request: Request,
    session: DbSession,
    conversation_id: str,
    *,
    keyring: SignedIn,
    text: Annotated[str, Form(max_length=40_000)] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    require_csrf(request, csrf)
    inbox_service.reply(
        session=session, keyring=keyring, conversation_id=conversation_id, text=text
    )
    return RedirectResponse(f"/officer/conversations/{conversation_id}", status_code=303)


@router.post("/conversations/{conversation_id}/star")
def star(
    request: Request,
    session: DbSession,
    conversation_id: str,
    *,
    keyring: SignedIn,
    starred: Annotated[str, Form()] = "1",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    require_csrf(request, csrf)
    inbox_service.set_starred(
        session=session,
        principal=keyring.principal,
        conversation_id=conversation_id,
        starred=starred == "1",
    )
    return RedirectResponse(f"/officer/conversations/{conversation_id}", status_code=303)


@router.post("/conversations/{conversation_id}/route")
def route(
    request: Request,
    session: DbSession,
    conversation_id: str,
    *,
    keyring: SignedIn,
    desk: Annotated[str, Form(max_length=3)] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    require_csrf(request, csrf)
    inbox_service.route(
        session=session, keyring=keyring, conversation_id=conversation_id, desk_code=desk
    )
    return RedirectResponse("/officer/inbox", status_code=303)


@router.get("/attachments/{attachment_id}")
def attachment(
    request: Request, session: DbSession, attachment_id: str, keyring: SignedIn
) -> Response:
    return download_response(request, session, keyring, attachment_id)
