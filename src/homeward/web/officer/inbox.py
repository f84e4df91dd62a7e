"""Officer pages: sign-in with password and TOTP, the desk's start page and inbox,
conversations, replies, a letter's files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.accounts.service import Keyring
from homeward.cases import flows as case_flows
from homeward.cases import listing as case_listing
from homeward.cases import release_basis
from homeward.cases import transfers as case_transfers
from homeward.contact import inbox as inbox_service
from homeward.core.db import utcnow
from homeward.core.errors import BadInput
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


SHOWS = {
    "all": "All",
    "unread": "Unread",
    "unanswered": "Awaiting our reply",
    "starred": "Starred",
}
BULK_WORDS = {
    "read": "Mark read",
    "unread": "Mark unread",
    "star": "Star",
    "unstar": "Unstar",
    "route": "Route",
}


def ago(then: datetime | None, now: datetime | None = None) -> str:
    """How long ago, in the words an officer says: "3 hours", "2 days"."""
    if then is None:
        return ""
    seconds = max(0, int(((now or utcnow()) - then).total_seconds()))
    for size, unit in ((86_400, "day"), (3_600, "hour"), (60, "minute")):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return "under a minute"


@router.get("/inbox")
def inbox(
    request: Request,
    session: DbSession,
    *,
    keyring: SignedIn,
    page: Page = 1,
    show: Annotated[str, Query(max_length=12)] = "all",
    q: Annotated[str, Query(max_length=inbox_service.SEARCH_MAX_CHARS)] = "",
) -> Response:
    """The desk's conversations with the work they need: unread (for this officer), awaiting
    the desk's reply and since when, the cases behind them, language and files; filters, a
    search by name or case reference, and actions on many at once."""
    principal = keyring.principal
    runtime = runtime_of(request)
    if show not in SHOWS:
        raise BadInput("show", f"choose one of {', '.join(SHOWS)}")
    query = inbox_service.InboxQuery(
        page=page,
        starred_only=show == "starred",
        unread_only=show == "unread",
        unanswered_only=show == "unanswered",
        search=q,
        also_ids=case_flows.conversations_by_reference(session=session, principal=principal, text=q)
        if q.strip()
        else (),
    )
    rows, total = inbox_service.inbox(session=session, principal=principal, query=query)
    cases = case_flows.linked_cases(
        session=session, principal=principal, conversation_ids=[row.id for row in rows]
    )
    routed = inbox_service.routed_by_desk(
        session=session, secrets=runtime.secrets, principal=principal
    )
    pages = max(1, -(-total // inbox_service.PAGE_SIZE))
    return render(
        request,
        "inbox.html",
        principal=principal,
        rows=rows,
        cases=cases,
        routed=routed,
        total=total,
        page=page,
        pages=pages,
        show=show,
        shows=SHOWS,
        q=q.strip(),
        links=lambda **change: (
            "/officer/inbox?"
            + urlencode(
                {
                    key: value
                    for key, value in ({"show": show, "q": q.strip()} | change).items()
                    if value and value != "all"
                }
            )
        ),
        bulk_words=BULK_WORDS,
        desks=_national_desks(session),
        can_route=roles.may(principal.role, roles.CONVERSATION_ROUTE),
        ago=ago,
        desk=desk_summary(session, runtime, principal),
    )


def _national_desks(session: Session) -> list[str]:
    return [d.code for d in accounts_service.list_desks(session=session) if not d.is_coordination]


@router.post("/inbox/bulk")
def bulk(
    request: Request,
    session: DbSession,
    *,
    keyring: SignedIn,
    ids: Annotated[list[str], Form(max_length=inbox_service.BULK_MAX)] = [],  # noqa: B006
    action: Annotated[str, Form(max_length=10)] = "",
    desk: Annotated[str, Form(max_length=3)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
    confirm: Annotated[str, Form(max_length=3)] = "",
    back: Annotated[str, Form(max_length=300)] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Mark read or unread, star or unstar, or route many conversations: each checked and
    audited as if alone, all or nothing. Routing asks for the desk and a reason, then shows
    what will move and asks again."""
    require_csrf(request, csrf)
    runtime = runtime_of(request)
    back = back if back.startswith("/officer/inbox") else "/officer/inbox"
    if action == "route" and confirm != "yes":
        targets = inbox_service.bulk_targets(
            session=session, principal=keyring.principal, action=action, conversation_ids=ids
        )
        return _confirm_route(
            request,
            session,
            keyring.principal,
            desk=desk,
            reason=reason,
            names=[inbox_service.name_of(c) for c in targets],
            ids=[c.id for c in targets],
            action_url="/officer/inbox/bulk",
            back=back,
        )
    inbox_service.bulk(
        session=session,
        keyring=keyring,
        secrets=runtime.secrets,
        action=action,
        conversation_ids=ids,
        desk_code=desk,
        reason=reason,
    )
    return RedirectResponse(back, status_code=303)


def _confirm_route(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    desk: str,
    reason: str,
    names: list[str],
    ids: list[str],
    action_url: str,
    back: str,
) -> Response:
    """The second step of routing: the desk chosen and the reason given are checked, then
    shown with what will move, to confirm."""
    target = inbox_service.route_target(session=session, principal=principal, desk_code=desk)
    why = inbox_service.check_reason(reason)
    return render(
        request,
        "route_confirm.html",
        principal=principal,
        desk=target,
        reason=why,
        names=names,
        ids=ids,
        action_url=action_url,
        back=back,
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
    return conversation_page(request, session, keyring, conversation_id)


def conversation_page(
    request: Request,
    session: Session,
    keyring: Keyring,
    conversation_id: str,
    *,
    status_code: int = 200,
    open_refusal: object = None,
) -> Response:
    """The conversation; `open_refusal` (web/officer/cases.py) brings the open-case form back
    open with the reason and what was typed."""
    runtime = runtime_of(request)
    principal = keyring.principal
    view = inbox_service.read(
        session=session, keyring=keyring, conversation_id=conversation_id, secrets=runtime.secrets
    )
    can_route = roles.may(principal.role, roles.CONVERSATION_ROUTE) and (
        view.desk == principal.nation
    )
    cases = case_flows.linked_cases(
        session=session, principal=principal, conversation_ids=[view.id]
    ).get(view.id, [])
    return render(
        request,
        "conversation.html",
        status_code=status_code,
        principal=principal,
        view=view,
        cases=cases,
        desks=_national_desks(session),
        can_route=can_route,
        ago=ago,
        open_refusal=open_refusal,
        release_choices=[
            desk.code
            for desk in accounts_service.list_desks(session=session)
            if desk.code != principal.nation
        ],
        basis_kinds=release_basis.KINDS,
    )


@router.post("/conversations/{conversation_id}/unread")
def mark_unread(
    request: Request,
    session: DbSession,
    conversation_id: str,
    *,
    keyring: SignedIn,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Unread again for this officer (as if never opened), back to the inbox."""
    require_csrf(request, csrf)
    inbox_service.set_read(
        session=session, principal=keyring.principal, conversation_id=conversation_id, read=False
    )
    return RedirectResponse("/officer/inbox", status_code=303)


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
    reason: Annotated[str, Form(max_length=4000)] = "",
    confirm: Annotated[str, Form(max_length=3)] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Routing asks twice: the desk and the reason, then the same shown back to confirm."""
    require_csrf(request, csrf)
    runtime = runtime_of(request)
    if confirm != "yes":
        (target,) = inbox_service.bulk_targets(
            session=session,
            principal=keyring.principal,
            action="route",
            conversation_ids=[conversation_id],
        )
        return _confirm_route(
            request,
            session,
            keyring.principal,
            desk=desk,
            reason=reason,
            names=[inbox_service.name_of(target)],
            ids=[target.id],
            action_url=f"/officer/conversations/{conversation_id}/route",
            back=f"/officer/conversations/{conversation_id}",
        )
    inbox_service.route(
        session=session,
        keyring=keyring,
        secrets=runtime.secrets,
        conversation_id=conversation_id,
        desk_code=desk,
        reason=reason,
    )
    return RedirectResponse("/officer/inbox", status_code=303)


@router.get("/conversations/{conversation_id}/recall")
def recall_form(
    request: Request, session: DbSession, conversation_id: str, keyring: SignedIn
) -> Response:
    """Send a mis-routed conversation back to the cell, without opening it (opening it here
    would end the chance to send it back)."""
    pending = inbox_service.pending_route(
        session=session,
        secrets=runtime_of(request).secrets,
        principal=keyring.principal,
        conversation_id=conversation_id,
    )
    return render(request, "recall.html", principal=keyring.principal, route=pending)


@router.post("/conversations/{conversation_id}/recall")
def recall(
    request: Request,
    session: DbSession,
    conversation_id: str,
    *,
    keyring: SignedIn,
    reason: Annotated[str, Form(max_length=4000)] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    require_csrf(request, csrf)
    inbox_service.recall(
        session=session,
        keyring=keyring,
        secrets=runtime_of(request).secrets,
        conversation_id=conversation_id,
        reason=reason,
    )
    return RedirectResponse("/officer/inbox", status_code=303)


@router.get("/attachments/{attachment_id}")
def attachment(
    request: Request, session: DbSession, attachment_id: str, keyring: SignedIn
) -> Response:
    return download_response(request, session, keyring, attachment_id)
