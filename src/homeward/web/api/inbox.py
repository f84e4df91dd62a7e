"""JSON API under /api/v1: bearer tokens, the officer and the desks, and the desk's
conversations; the same operations as the officer inbox pages (see api/deps.py for the
bearer)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from homeward.accounts import service as accounts_service
from homeward.accounts.schemas import DeskOut, Me, TokenIn, TokenOut
from homeward.contact import inbox as inbox_service
from homeward.contact.schemas import (
    ConversationOut,
    InboxItem,
    InboxPage,
    ReplyIn,
    ReplyOut,
    RouteIn,
    StarIn,
)
from homeward.web import officer_auth
from homeward.web.api.deps import ERRORS, Bearer, Officer, Problem
from homeward.web.deps import DbSession, runtime_of
from homeward.web.downloads import download_response

router = APIRouter(prefix="/api/v1", tags=["officer"])


@router.post(
    "/auth/token",
    operation_id="create_token",
    responses={
        **{code: ERRORS[code] for code in (400, 401, 422)},
        429: {"model": Problem, "description": "Too many failed sign-ins: try again later"},
    },
)
def create_token(request: Request, body: TokenIn) -> TokenOut:
    runtime = runtime_of(request)
    signed = officer_auth.sign_in(
        runtime, body.username, body.password, body.code, device=body.device
    )
    return TokenOut(
        token=signed.token,
        idle_timeout_seconds=runtime.settings.officer_idle_minutes * 60,
        device=signed.device,
    )


@router.delete("/auth/token", status_code=204, operation_id="revoke_token", responses=ERRORS)
def revoke_token(
    session: DbSession,
    credentials: Bearer,
    keyring: Officer,
) -> Response:
    officer_auth.sign_out(session, credentials.credentials if credentials else None)
    return Response(status_code=204)


@router.get("/me", operation_id="whoami", responses=ERRORS)
def whoami(keyring: Officer) -> Me:
    p = keyring.principal
    return Me(
        officer_id=p.officer_id,
        username=p.username,
        role=p.role.value,
        nation=p.nation,
        clearance=p.clearance,
    )


@router.get("/desks", operation_id="list_desks", responses=ERRORS)
def list_desks(session: DbSession, keyring: Officer) -> list[DeskOut]:
    return [DeskOut.model_validate(d) for d in accounts_service.list_desks(session=session)]


@router.get("/conversations", operation_id="list_conversations", responses=ERRORS)
def list_conversations(
    session: DbSession,
    keyring: Officer,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    starred: bool = False,
) -> InboxPage:
    rows, total = inbox_service.inbox(
        session=session, principal=keyring.principal, page=page, starred_only=starred
    )
    return InboxPage(
        items=[InboxItem.model_validate(row) for row in rows],
        total=total,
        page=page,
        page_size=inbox_service.PAGE_SIZE,
    )


@router.get("/conversations/{conversation_id}", operation_id="read_conversation", responses=ERRORS)
def read_conversation(
    session: DbSession, conversation_id: str, keyring: Officer
) -> ConversationOut:
    view = inbox_service.read(session=session, keyring=keyring, conversation_id=conversation_id)
    return ConversationOut.model_validate(view)


@router.post(
    "/conversations/{conversation_id}/replies",
    status_code=201,
    operation_id="reply_to_conversation",
    responses=ERRORS,
)
def reply(session: DbSession, conversation_id: str, body: ReplyIn, keyring: Officer) -> ReplyOut:
    message = inbox_service.reply(
        session=session, keyring=keyring, conversation_id=conversation_id, text=body.text
    )
    return ReplyOut(id=message.id, created_at=message.created_at)


@router.put(
    "/conversations/{conversation_id}/star",
    status_code=204,
    operation_id="star_conversation",
    responses=ERRORS,
)
def star(session: DbSession, conversation_id: str, body: StarIn, keyring: Officer) -> Response:
    inbox_service.set_starred(
        session=session,
        principal=keyring.principal,
        conversation_id=conversation_id,
        starred=body.starred,
    )
    return Response(status_code=204)


@router.post(
    "/conversations/{conversation_id}/route",
    status_code=204,
    operation_id="route_conversation",
    responses=ERRORS,
)
def route(session: DbSession, conversation_id: str, body: RouteIn, keyring: Officer) -> Response:
    inbox_service.route(
        session=session, keyring=keyring, conversation_id=conversation_id, desk_code=body.desk
    )
    return Response(status_code=204)


@router.get(
    "/attachments/{attachment_id}",
    operation_id="download_attachment",
    responses={**ERRORS, 200: {"content": {"application/octet-stream": {}}}},
    response_class=Response,
)
def download(
    request: Request, session: DbSession, attachment_id: str, keyring: Officer
) -> Response:
    return download_response(request, session, keyring, attachment_id)
