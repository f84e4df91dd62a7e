"""JSON API under /api/v1: bearer tokens, the officer and the desks, and the desk's
conversations; the same operations as the officer inbox pages (see api/deps.py for the
bearer)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from homeward.accounts import service as accounts_service
from homeward.accounts.schemas import DeskOut, Me, TokenIn, TokenOut
from homeward.cases import flows as case_flows
from homeward.contact import inbox as inbox_service
from homeward.contact.schemas import (
    BulkIn,
    BulkOut,
    ConversationOut,
    InboxItem,
    InboxPage,
    ReadIn,
    RecallIn,
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
    *,
    keyring: Officer,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    starred: bool = False,
    unread: bool = False,
    unanswered: bool = False,
    q: Annotated[str, Query(max_length=inbox_service.SEARCH_MAX_CHARS)] = "",
) -> InboxPage:
    """The officer's inbox: `unread` for this officer, `unanswered` awaiting the desk's reply,
    `q` a conversation name or a case reference."""
    principal = keyring.principal
    query = inbox_service.InboxQuery(
        page=page,
        starred_only=starred,
        unread_only=unread,
        unanswered_only=unanswered,
        search=q,
        also_ids=case_flows.conversations_by_reference(session=session, principal=principal, text=q)
        if q.strip()
        else (),
    )
    rows, total = inbox_service.inbox(session=session, principal=principal, query=query)
    cases = case_flows.linked_cases(
        session=session, principal=principal, conversation_ids=[row.id for row in rows]
    )
    return InboxPage(
        items=[
            InboxItem.model_validate(
                asdict(row) | {"case_references": [c.reference for c in cases.get(row.id, [])]}
            )
            for row in rows
        ],
        total=total,
        page=page,
        page_size=inbox_service.PAGE_SIZE,
    )


@router.post("/conversations/bulk", operation_id="bulk_conversations", responses=ERRORS)
def bulk(request: Request, session: DbSession, body: BulkIn, keyring: Officer) -> BulkOut:
    """Mark read or unread, star or unstar, or route (with `desk` and `reason`) many
    conversations, as the inbox page's bulk form does: each checked and audited as if alone,
    and one out of reach (404) or not allowed (403) refuses them all with nothing changed."""
    changed = inbox_service.bulk(
        session=session,
        keyring=keyring,
        secrets=runtime_of(request).secrets,
        action=body.action,
        conversation_ids=body.ids,
        desk_code=body.desk,
        reason=body.reason,
    )
    return BulkOut(changed=changed)


@router.get("/conversations/{conversation_id}", operation_id="read_conversation", responses=ERRORS)
def read_conversation(
    session: DbSession, conversation_id: str, keyring: Officer
) -> ConversationOut:
    """Opening marks the conversation read for this officer (and, at a desk the cell routed it
    to, ends that desk's chance to send it back)."""
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
def route(
    request: Request, session: DbSession, conversation_id: str, body: RouteIn, keyring: Officer
) -> Response:
    """The coordination cell routes a conversation to a national desk, with its reason."""
    inbox_service.route(
        session=session,
        keyring=keyring,
        secrets=runtime_of(request).secrets,
        conversation_id=conversation_id,
        desk_code=body.desk,
        reason=body.reason,
    )
    return Response(status_code=204)


@router.post(
    "/conversations/{conversation_id}/recall",
    status_code=204,
    operation_id="recall_conversation",
    responses=ERRORS,
)
def recall(
    request: Request, session: DbSession, conversation_id: str, body: RecallIn, keyring: Officer
) -> Response:
    """The receiving desk sends a mis-routed conversation back to the cell, until someone at
    the desk has opened it (400 after that)."""
    inbox_service.recall(
        session=session,
        keyring=keyring,
        secrets=runtime_of(request).secrets,
        conversation_id=conversation_id,
        reason=body.reason,
    )
    return Response(status_code=204)


@router.put(
    "/conversations/{conversation_id}/read",
    status_code=204,
    operation_id="mark_conversation_read",
    responses=ERRORS,
)
def mark_read(session: DbSession, conversation_id: str, body: ReadIn, keyring: Officer) -> Response:
    """Read or unread again, for this officer only; nothing is decrypted."""
    inbox_service.set_read(
        session=session,
        principal=keyring.principal,
        conversation_id=conversation_id,
        read=body.read,
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
