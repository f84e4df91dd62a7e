"""The officers' side of the channel: inbox, reading, replying, starring, routing, files.

Every read goes through the policy module and leaves an audit entry; every content key is
opened with a desk key the signed-in officer holds, or not at all. Each function binds the
officer to the session, so every query over conversations is filtered by need to know (the
binding, as for every labelled record); the single-record check then decides the action.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import ColumnElement, case, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.accounts.exceptions import UnknownDesk
from homeward.accounts.service import Keyring
from homeward.audit import service as audit
from homeward.contact import blobs, names
from homeward.contact.models import (
    FROM_DESK,
    Attachment,
    Conversation,
    ConversationRead,
    ConversationRoute,
    KeyWrap,
    Message,
)
from homeward.core.db import utcnow
from homeward.core.errors import BadInput, NotFound
from homeward.crypto import sealing
from homeward.crypto.keys import ServerSecrets
from homeward.policy import binding, roles
from homeward.policy import check as policy

PAGE_SIZE = 50
REPLY_MAX_CHARS = 20_000
REASON_MAX_CHARS = 1000
BULK_MAX = 200
SEARCH_MAX_CHARS = 60


@dataclass(frozen=True)
class RouteView:
    """One routing decision as the cell and the receiving desk see it (the reasons opened)."""

    id: str
    conversation_id: str
    conversation_name: str
    from_nation: str
    to_nation: str
    routed_at: datetime
    reason: str
    opened_at: datetime | None
    recalled_at: datetime | None
    recall_reason: str | None

    @property
    def recallable(self) -> bool:
        """The receiving desk may still send it back: nobody there has opened it."""
        return self.opened_at is None and self.recalled_at is None


@dataclass(frozen=True)
class InboxRow:
    id: str
    name: str
    desk: str
    unread: bool
    """For this officer: a letter they have not opened."""
    starred: bool
    message_count: int
    last_message_at: datetime | None
    awaiting_reply_since: datetime | None
    language: str | None
    has_files: bool
    routed_at: datetime | None
    recallable: bool
    """Routed here by the cell and not opened yet at this desk: it may still go back."""


@dataclass(frozen=True)
class InboxQuery:
    """What the list shows: a page, narrowed by the filters, each optional."""

    page: int = 1
    starred_only: bool = False
    unread_only: bool = False
    unanswered_only: bool = False
    search: str = ""
    also_ids: tuple[str, ...] = ()
    """Conversations the search also finds by another key (a case reference, via the cases)."""


@dataclass(frozen=True)
class AttachmentView:
    id: str
    filename: str
    content_type: str
    size_bytes: int


@dataclass(frozen=True)
class MessageView:
    id: str
    direction: str
    created_at: datetime
    text: str
    attachments: list[AttachmentView]


@dataclass(frozen=True)
class ConversationView:
    id: str
    name: str
    desk: str
    starred: bool
    routed_at: datetime | None
    awaiting_reply_since: datetime | None
    language: str | None
    messages: list[MessageView]
    routes: list[RouteView]
    """Routing decisions this officer's desk took or received, newest first."""


def _unread(principal: policy.Principal) -> ColumnElement[bool]:
    """Unread for this officer: a contact letter newer than their last opening, or never
    opened by them. `last_message_at` moves only when the contact writes (or the cell routes)."""
    opened_since = exists().where(
        ConversationRead.conversation_id == Conversation.id,
        ConversationRead.officer_id == principal.officer_id,
        ConversationRead.read_at >= Conversation.last_message_at,
    )
    return ~opened_since


def unread_count(*, session: Session, principal: policy.Principal) -> int:
    """How many conversations this officer may read hold a letter they have not opened: the
    number in the navigation, the same rule as the inbox's unread marker and filter."""
    if not roles.may(principal.role, roles.CONVERSATION_LIST):
        return 0
    binding.bind(session, principal)
    query = select(func.count(Conversation.id)).where(
        Conversation.last_message_at.is_not(None), _unread(principal)
    )
    return int(session.scalar(query) or 0)


def name_of(conversation: Conversation) -> str:
    """The conversation's two words; one made up now (at random, stored) for a conversation
    older than names."""
    if conversation.name is None:
        conversation.name = names.random_name()
    return conversation.name


def _search_text(text: str) -> str:
    text = " ".join(text.split()).lower()
    if len(text) > SEARCH_MAX_CHARS:
        raise BadInput("q", f"search for at most {SEARCH_MAX_CHARS} characters")
    return text


def inbox(
    *, session: Session, principal: policy.Principal, query: InboxQuery | None = None
) -> tuple[list[InboxRow], int]:
    """Conversations this officer may read, unread (for this officer) first, newest first; and
    the total. The role must be allowed to list at all (403 otherwise); the rows are those the
    binding lets the officer read, so the list never shows what opening a conversation would
    refuse. The coordination cell lists the letters whose writer did not know the desk until it
    routes them."""
    query = query or InboxQuery()
    if query.page < 1:
        raise BadInput("page", "must be 1 or more")
    search = _search_text(query.search)
    policy.require_permission(principal, roles.CONVERSATION_LIST)
    binding.bind(session, principal)
    unread = _unread(principal)
    where: list[ColumnElement[bool]] = [Conversation.last_message_at.is_not(None)]
    if query.starred_only:
        where.append(Conversation.starred.is_(True))
    if query.unread_only:
        where.append(unread)
    if query.unanswered_only:
        where.append(Conversation.awaiting_reply_since.is_not(None))
    if search:
        found = func.lower(Conversation.name).contains(search, autoescape=True)
        where.append(or_(found, Conversation.id.in_(query.also_ids)) if query.also_ids else found)
    total = int(session.scalar(select(func.count(Conversation.id)).where(*where)) or 0)
    rows = list(
        session.scalars(
            select(Conversation)
            .where(*where)
            .order_by(case((unread, 0), else_=1), Conversation.last_message_at.desc())
            .limit(PAGE_SIZE)
            .offset((query.page - 1) * PAGE_SIZE)
        )
    )
    ids = [c.id for c in rows]
    unread_ids = set(
        session.scalars(select(Conversation.id).where(Conversation.id.in_(ids), unread))
    )
    recallable = set(
        session.scalars(
            select(ConversationRoute.conversation_id).where(
                ConversationRoute.conversation_id.in_(ids),
                ConversationRoute.to_nation == principal.nation,
                ConversationRoute.opened_at.is_(None),
                ConversationRoute.recalled_at.is_(None),
            )
        )
    )
    made = [
        InboxRow(
            id=c.id,
            name=name_of(c),
            desk=c.owner_nation,
            unread=c.id in unread_ids,
            starred=c.starred,
            message_count=c.message_count,
            last_message_at=c.last_message_at,
            awaiting_reply_since=c.awaiting_reply_since,
            language=c.language,
            has_files=c.has_files,
            routed_at=c.routed_at,
            recallable=c.id in recallable,
        )
        for c in rows
    ]
    session.flush()  # the names made up for older conversations
    return made, total


@dataclass(frozen=True)
class Waiting:
    """A conversation whose contact has waited longest for the desk's answer."""

    id: str
    name: str
    since: datetime


def awaiting_reply(
    *, session: Session, principal: policy.Principal, limit: int
) -> tuple[list[Waiting], int]:
    """The letters this officer's desk has left unanswered longest, oldest first, and how many
    await a reply: for the start page, which must not miss the oldest because the inbox's
    first page is ordered by the newest. Through the binding, as the inbox."""
    policy.require_permission(principal, roles.CONVERSATION_LIST)
    binding.bind(session, principal)
    where = (
        Conversation.last_message_at.is_not(None),
        Conversation.awaiting_reply_since.is_not(None),
    )
    total = int(session.scalar(select(func.count(Conversation.id)).where(*where)) or 0)
    rows = session.scalars(
        select(Conversation)
        .where(*where)
        .order_by(Conversation.awaiting_reply_since.asc(), Conversation.id)
        .limit(limit)
    )
    oldest = [
        Waiting(id=c.id, name=name_of(c), since=c.awaiting_reply_since)
        for c in rows
        if c.awaiting_reply_since is not None
    ]
    session.flush()  # the names made up for older conversations
    return oldest, total


def routed_by_desk(
    *, session: Session, secrets: ServerSecrets, principal: policy.Principal, limit: int = 20
) -> list[RouteView]:
    """What this officer's desk routed lately, for the cell's inbox: "routed to FRA on ...".
    The conversations themselves are the receiving desk's now and out of the cell's reach; only
    their random names are read, for this list."""
    if not roles.may(principal.role, roles.CONVERSATION_ROUTE):
        return []
    routes = list(
        session.scalars(
            select(ConversationRoute)
            .where(ConversationRoute.from_nation == principal.nation)
            .order_by(ConversationRoute.routed_at.desc())
            .limit(limit)
        )
    )
    ids = {route.conversation_id for route in routes}
    with binding.unfiltered(session, "the names of conversations this desk routed"):
        named = {
            row.id: row.name
            for row in session.execute(
                select(Conversation.id, Conversation.name).where(Conversation.id.in_(ids))
            )
        }
    return [_route_view(secrets, route, named.get(route.conversation_id) or "") for route in routes]


def _route_view(secrets: ServerSecrets, route: ConversationRoute, name: str) -> RouteView:
    recall_reason = (
        secrets.open_field(route.recall_reason_sealed) if route.recall_reason_sealed else None
    )
    return RouteView(
        id=route.id,
        conversation_id=route.conversation_id,
        conversation_name=name,
        from_nation=route.from_nation,
        to_nation=route.to_nation,
        routed_at=route.routed_at,
        reason=secrets.open_field(route.reason_sealed),
        opened_at=route.opened_at,
        recalled_at=route.recalled_at,
        recall_reason=recall_reason,
    )


def _routes(
    session: Session,
    secrets: ServerSecrets,
    principal: policy.Principal,
    conversation: Conversation,
) -> list[RouteView]:
    """The routing decisions on a conversation that the officer's desk took part in."""
    rows = session.scalars(
        select(ConversationRoute)
        .where(
            ConversationRoute.conversation_id == conversation.id,
            or_(
                ConversationRoute.from_nation == principal.nation,
                ConversationRoute.to_nation == principal.nation,
            ),
        )
        .order_by(ConversationRoute.routed_at.desc())
    )
    return [_route_view(secrets, row, name_of(conversation)) for row in rows]


def _conversation(
    session: Session, principal: policy.Principal, permission: str, conversation_id: str
) -> Conversation:
    binding.bind(session, principal)
    conversation = session.get(Conversation, conversation_id)
    policy.check(principal, permission, conversation, "conversation")
    assert conversation is not None  # noqa: S101 - policy.check raised otherwise
    return conversation


def require_visible(*, session: Session, principal: policy.Principal, conversation_id: str) -> None:
    """For other capabilities (a case links conversations): NotFound unless readable."""
    _conversation(session, principal, roles.CONVERSATION_READ, conversation_id)


def _open_key(wraps: list[KeyWrap], held: dict[str, bytes]) -> bytes | None:
    for wrap in wraps:
        private = held.get(wrap.desk_key_id)
        if private is not None:
            return sealing.unseal(private, wrap.sealed_key)
    return None


def read(
    *,
    session: Session,
    keyring: Keyring,
    conversation_id: str,
    secrets: ServerSecrets | None = None,
) -> ConversationView:
    """Decrypt a conversation for an officer of its desk; each message read is audited. The
    first opening at a desk the cell routed it to ends that desk's chance to send it back.
    With `secrets`, the routing decisions (and their reasons) come with it."""
    principal = keyring.principal
    conversation = _conversation(session, principal, roles.CONVERSATION_READ, conversation_id)
    held = accounts_service.desk_private_keys(session=session, keyring=keyring)
    views: list[MessageView] = []
    for message in conversation.messages:
        content_key = _open_key(message.wraps, held)
        if content_key is None:
            raise NotFound("conversation")
        files = []
        for attachment in message.attachments:
            file_key = _open_key(attachment.wraps, held)
            if file_key is None:
                continue
            meta = blobs.read_meta(file_key, attachment.meta)
            files.append(
                AttachmentView(attachment.id, meta["name"], meta["type"], attachment.size_bytes)
            )
        views.append(
            MessageView(
                id=message.id,
                direction=message.direction,
                created_at=message.created_at,
                text=sealing.decrypt(content_key, message.body).decode(),
                attachments=files,
            )
        )
        audit.record(
            session=session,
            actor=principal.audit_name,
            action="contact:message:read",
            resource_type="message",
            resource_id=message.id,
            nation=conversation.owner_nation,
        )
    now = utcnow()
    session.execute(
        update(ConversationRoute)
        .where(
            ConversationRoute.conversation_id == conversation.id,
            ConversationRoute.to_nation == principal.nation,
            ConversationRoute.opened_at.is_(None),
            ConversationRoute.recalled_at.is_(None),
        )
        .values(opened_at=now)
    )
    _mark_read(session, principal, conversation, now)
    return ConversationView(
        id=conversation.id,
        name=name_of(conversation),
        desk=conversation.owner_nation,
        starred=conversation.starred,
        routed_at=conversation.routed_at,
        awaiting_reply_since=conversation.awaiting_reply_since,
        language=conversation.language,
        messages=views,
        routes=[] if secrets is None else _routes(session, secrets, principal, conversation),
    )


def _mark_read(
    session: Session, principal: policy.Principal, conversation: Conversation, now: datetime
) -> None:
    """Read for this officer alone, as of `now`."""
    row = session.get(ConversationRead, (conversation.id, principal.officer_id))
    if row is None:
        session.add(
            ConversationRead(
                conversation_id=conversation.id, officer_id=principal.officer_id, read_at=now
            )
        )
    else:
        row.read_at = now
    session.flush()


def _mark_unread(session: Session, principal: policy.Principal, conversation: Conversation) -> None:
    session.execute(
        delete(ConversationRead).where(
            ConversationRead.conversation_id == conversation.id,
            ConversationRead.officer_id == principal.officer_id,
        )
    )


def set_read(
    *, session: Session, principal: policy.Principal, conversation_id: str, read: bool
) -> None:
    """Mark read (without opening the letters: nothing is decrypted) or unread again, for this
    officer only."""
    conversation = _conversation(session, principal, roles.CONVERSATION_READ, conversation_id)
    _set_read(session, principal, conversation, read)


def _set_read(
    session: Session, principal: policy.Principal, conversation: Conversation, read: bool
) -> None:
    if read:
        _mark_read(session, principal, conversation, utcnow())
    else:
        _mark_unread(session, principal, conversation)
    audit.record(
        session=session,
        actor=principal.audit_name,
        action="contact:conversation:mark-read" if read else "contact:conversation:mark-unread",
        resource_type="conversation",
        resource_id=conversation.id,
        nation=conversation.owner_nation,
    )


def reply(*, session: Session, keyring: Keyring, conversation_id: str, text: str) -> Message:
    """A reply is sealed to the contact's codename-derived key and to the desk; the
    conversation no longer awaits the desk's answer."""
    principal = keyring.principal
    conversation = _conversation(session, principal, roles.CONVERSATION_REPLY, conversation_id)
    text = text.strip()
    if not text:
        raise BadInput("reply", "it is empty")
    if len(text) > REPLY_MAX_CHARS:
        raise BadInput("reply", f"it is longer than {REPLY_MAX_CHARS} characters")
    desk_key = accounts_service.current_desk_key(
        session=session, desk_code=conversation.owner_nation
    )
    if desk_key is None:
        raise BadInput("desk", "the desk has no key yet")
    content_key = sealing.random_bytes()
    message = Message(
        conversation_id=conversation.id,
        direction=FROM_DESK,
        officer_id=principal.officer_id,
        created_at=utcnow(),
        body=sealing.encrypt(content_key, text.encode()),
        contact_sealed_key=sealing.seal(conversation.contact.reply_public_key, content_key),
    )
    message.wraps.append(
        KeyWrap(desk_key_id=desk_key.id, sealed_key=sealing.seal(desk_key.public_key, content_key))
    )
    session.add(message)
    conversation.message_count += 1
    conversation.awaiting_reply_since = None
    session.flush()
    audit.record(
        session=session,
        actor=principal.audit_name,
        action="contact:reply:create",
        resource_type="conversation",
        resource_id=conversation.id,
        nation=conversation.owner_nation,
    )
    return message


def set_starred(
    *, session: Session, principal: policy.Principal, conversation_id: str, starred: bool
) -> None:
    conversation = _conversation(session, principal, roles.CONVERSATION_STAR, conversation_id)
    _set_starred(session, principal, conversation, starred)


def _set_starred(
    session: Session, principal: policy.Principal, conversation: Conversation, starred: bool
) -> None:
    conversation.starred = starred
    audit.record(
        session=session,
        actor=principal.audit_name,
        action="contact:conversation:star" if starred else "contact:conversation:unstar",
        resource_type="conversation",
        resource_id=conversation.id,
        nation=conversation.owner_nation,
    )
    session.flush()


def check_reason(text: str, field_name: str = "reason") -> str:
    """A reason given, trimmed, of a sensible length."""
    text = text.strip()
    if not text:
        raise BadInput(field_name, "say why, in a few words")
    if len(text) > REASON_MAX_CHARS:
        raise BadInput(field_name, f"it is longer than {REASON_MAX_CHARS} characters")
    return text


def route_target(*, session: Session, principal: policy.Principal, desk_code: str) -> str:
    """The national desk a conversation may be routed to, checked before anything is asked
    for confirmation: no desk is ever assumed."""
    policy.require_permission(principal, roles.CONVERSATION_ROUTE)
    if not desk_code:
        raise BadInput("desk", "choose the desk to route to")
    try:
        target = accounts_service.get_desk(session=session, code=desk_code)
    except UnknownDesk as exc:
        # A bad field in the request, not a missing conversation: 400, not 404.
        raise BadInput("desk", f"{desk_code} is not a desk") from exc
    if target.is_coordination:
        raise BadInput("desk", f"{target.code} is the coordination cell; choose a national desk")
    return target.code


def _rewrap(session: Session, keyring: Keyring, conversation: Conversation, desk_code: str) -> None:
    """Seal every content key of the conversation to `desk_code`'s current key and drop the
    wraps the officer's desk held: no content is re-encrypted or copied in clear, and the
    desk that lets it go keeps nothing it no longer needs."""
    target_key = accounts_service.current_desk_key(session=session, desk_code=desk_code)
    if target_key is None:
        raise BadInput("desk", f"{desk_code} has no key yet")
    held = accounts_service.desk_private_keys(session=session, keyring=keyring)
    old_wrap_ids: list[str] = []
    for message in conversation.messages:
        owners: list[Message | Attachment] = [message, *message.attachments]
        for owner in owners:
            content_key = _open_key(owner.wraps, held)
            if content_key is None:
                raise NotFound("conversation")
            old_wrap_ids.extend(wrap.id for wrap in owner.wraps)
            owner.wraps.append(
                KeyWrap(
                    desk_key_id=target_key.id,
                    sealed_key=sealing.seal(target_key.public_key, content_key),
                )
            )
    session.flush()
    session.execute(delete(KeyWrap).where(KeyWrap.id.in_(old_wrap_ids)))


def route(
    *,
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    conversation_id: str,
    desk_code: str,
    reason: str,
) -> None:
    """The coordination cell hands a conversation to a national desk, saying why (the reason
    sealed under the server data key, tier 2). The decision is kept (`ConversationRoute`) and
    audited on both desks' side."""
    principal = keyring.principal
    conversation = _conversation(session, principal, roles.CONVERSATION_ROUTE, conversation_id)
    _route(
        session, keyring, secrets, conversation, desk_code=desk_code, reason=check_reason(reason)
    )


def _route(
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    conversation: Conversation,
    *,
    desk_code: str,
    reason: str,
) -> None:
    principal = keyring.principal
    target = route_target(session=session, principal=principal, desk_code=desk_code)
    if target == conversation.owner_nation:
        raise BadInput("desk", f"the conversation is already with {target}")
    _rewrap(session, keyring, conversation, target)
    previous = conversation.owner_nation
    now = utcnow()
    session.add(
        ConversationRoute(
            conversation_id=conversation.id,
            from_nation=previous,
            to_nation=target,
            routed_by=principal.officer_id,
            routed_at=now,
            reason_sealed=secrets.seal_field(reason),
        )
    )
    conversation.owner_nation = target
    conversation.routed_at = now
    conversation.unread = True
    session.flush()
    conversation_id = conversation.id
    session.expire(conversation)
    audit.record(
        session=session,
        actor=principal.audit_name,
        action="contact:conversation:route",
        resource_type="conversation",
        resource_id=conversation_id,
        nation=previous,
    )
    audit.record(
        session=session,
        actor=principal.audit_name,
        action="contact:conversation:receive",
        resource_type="conversation",
        resource_id=conversation_id,
        nation=target,
    )


def pending_route(
    *, session: Session, secrets: ServerSecrets, principal: policy.Principal, conversation_id: str
) -> RouteView:
    """The routing decision this officer's desk may still send back (nothing is decrypted but
    the reason): NotFound where the conversation is out of reach, BadInput where it was not
    routed here or was opened here already."""
    conversation = _conversation(session, principal, roles.CONVERSATION_REPLY, conversation_id)
    row = session.scalar(
        select(ConversationRoute)
        .where(
            ConversationRoute.conversation_id == conversation.id,
            ConversationRoute.to_nation == principal.nation,
            ConversationRoute.recalled_at.is_(None),
        )
        .order_by(ConversationRoute.routed_at.desc())
        .limit(1)
    )
    if row is None:
        raise BadInput("conversation", "it was not routed to your desk by the coordination cell")
    if row.opened_at is not None:
        raise BadInput(
            "conversation",
            "it was opened at your desk already, so it can no longer be sent back; "
            "ask the coordination cell to route it again if it is not yours",
        )
    return _route_view(secrets, row, name_of(conversation))


def recall(
    *,
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    conversation_id: str,
    reason: str,
) -> None:
    """The receiving desk sends a mis-routed conversation back to the cell that routed it,
    saying why, as long as nobody at the desk has opened it: its keys go back to the cell's
    desk key, it is unread again for the cell, and the decision and the recall stay on record.
    Only the receiving nation's desk roles (those who may reply) may."""
    principal = keyring.principal
    why = check_reason(reason)
    pending = pending_route(
        session=session, secrets=secrets, principal=principal, conversation_id=conversation_id
    )
    conversation = _conversation(session, principal, roles.CONVERSATION_REPLY, conversation_id)
    row = session.get(ConversationRoute, pending.id)
    assert row is not None  # noqa: S101 - pending_route found it
    _rewrap(session, keyring, conversation, row.from_nation)
    now = utcnow()
    row.recalled_by = principal.officer_id
    row.recalled_at = now
    row.recall_reason_sealed = secrets.seal_field(why)
    conversation.owner_nation = row.from_nation
    conversation.routed_at = None
    conversation.unread = True
    session.execute(
        delete(ConversationRead).where(ConversationRead.conversation_id == conversation.id)
    )
    session.flush()
    session.expire(conversation)
    for action, nation in (
        ("contact:conversation:recall", row.to_nation),
        ("contact:conversation:return", row.from_nation),
    ):
        audit.record(
            session=session,
            actor=principal.audit_name,
            action=action,
            resource_type="conversation",
            resource_id=conversation_id,
            nation=nation,
        )


BULK_ACTIONS = ("read", "unread", "star", "unstar", "route")
_BULK_PERMISSIONS = {
    "read": roles.CONVERSATION_READ,
    "unread": roles.CONVERSATION_READ,
    "star": roles.CONVERSATION_STAR,
    "unstar": roles.CONVERSATION_STAR,
    "route": roles.CONVERSATION_ROUTE,
}


def bulk_targets(
    *, session: Session, principal: policy.Principal, action: str, conversation_ids: list[str]
) -> list[Conversation]:
    """The conversations a bulk action would change, each through the policy check: one out of
    reach refuses the whole action before anything changes."""
    if action not in BULK_ACTIONS:
        raise BadInput("action", f"choose one of {', '.join(BULK_ACTIONS)}")
    ids = list(dict.fromkeys(conversation_ids))
    if not ids:
        raise BadInput("ids", "tick at least one conversation")
    if len(ids) > BULK_MAX:
        raise BadInput("ids", f"at most {BULK_MAX} conversations at once")
    permission = _BULK_PERMISSIONS[action]
    return [_conversation(session, principal, permission, one) for one in ids]


def bulk(
    *,
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    action: str,
    conversation_ids: list[str],
    desk_code: str = "",
    reason: str = "",
) -> int:
    """One action on many conversations, each checked and audited as if done alone; all or
    nothing. Routing in bulk needs the desk and the reason, as routing one does."""
    principal = keyring.principal
    targets = bulk_targets(
        session=session, principal=principal, action=action, conversation_ids=conversation_ids
    )
    if action == "route":
        why = check_reason(reason)
        route_target(session=session, principal=principal, desk_code=desk_code)
        for conversation in targets:
            _route(session, keyring, secrets, conversation, desk_code=desk_code, reason=why)
    elif action in ("read", "unread"):
        for conversation in targets:
            _set_read(session, principal, conversation, action == "read")
    else:
        for conversation in targets:
            _set_starred(session, principal, conversation, action == "star")
    return len(targets)


@dataclass(frozen=True)
class OpenedFile:
    filename: str
    content_type: str
    size_bytes: int
    chunks: Iterator[bytes]


def read_attachment(
    *, session: Session, keyring: Keyring, attachment_id: str, blobs_dir: Path
) -> OpenedFile:
    principal = keyring.principal
    binding.bind(session, principal)
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        policy.require_permission(principal, roles.CONVERSATION_READ)
        raise NotFound("file")
    # None when the binding hides the conversation from this officer.
    conversation: Conversation | None = attachment.message.conversation
    policy.check(principal, roles.CONVERSATION_READ, conversation, "file")
    assert conversation is not None  # noqa: S101 - policy.check raised otherwise
    held = accounts_service.desk_private_keys(session=session, keyring=keyring)
    file_key = _open_key(attachment.wraps, held)
    if file_key is None:
        raise NotFound("file")
    meta = blobs.read_meta(file_key, attachment.meta)
    audit.record(
        session=session,
        actor=principal.audit_name,
        action="contact:attachment:read",
        resource_type="attachment",
        resource_id=attachment.id,
        nation=conversation.owner_nation,
    )
    return OpenedFile(
        filename=meta["name"],
        content_type=meta["type"],
        size_bytes=attachment.size_bytes,
        chunks=blobs.open_plaintext(blobs_dir, attachment.blob_name, file_key),
    )
