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

from sqlalchemy import ColumnElement, delete, exists, func, select
from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.accounts.exceptions import UnknownDesk
from homeward.accounts.service import Keyring
from homeward.audit import service as audit
from homeward.contact import blobs
from homeward.contact.models import (
    FROM_DESK,
    Attachment,
    Conversation,
    ConversationRead,
    KeyWrap,
    Message,
)
from homeward.core.db import utcnow
from homeward.core.errors import BadInput, NotFound
from homeward.crypto import sealing
from homeward.policy import binding, roles
from homeward.policy import check as policy

PAGE_SIZE = 50
REPLY_MAX_CHARS = 20_000


@dataclass(frozen=True)
class InboxRow:
    id: str
    desk: str
    unread: bool
    starred: bool
    message_count: int
    last_message_at: datetime | None


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
    desk: str
    starred: bool
    routed_at: datetime | None
    messages: list[MessageView]


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


def inbox(
    *, session: Session, principal: policy.Principal, page: int = 1, starred_only: bool = False
) -> tuple[list[InboxRow], int]:
    """Conversations this officer may read, unread first, newest first; and the total. The
    role must be allowed to list at all (403 otherwise); the rows are those the binding lets the
    officer read, so the list never shows what opening a conversation would refuse. The
    coordination cell lists the letters whose writer did not know the desk until it routes them."""
    if page < 1:
        raise BadInput("page", "must be 1 or more")
    policy.require_permission(principal, roles.CONVERSATION_LIST)
    binding.bind(session, principal)
    where = [Conversation.last_message_at.is_not(None)]
    if starred_only:
        where.append(Conversation.starred.is_(True))
    total = int(session.scalar(select(func.count(Conversation.id)).where(*where)) or 0)
    rows = list(
        session.scalars(
            select(Conversation)
            .where(*where)
            .order_by(Conversation.unread.desc(), Conversation.last_message_at.desc())
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    unread = set(
        session.scalars(
            select(Conversation.id).where(
                Conversation.id.in_([c.id for c in rows]), _unread(principal)
            )
        )
    )
    return [
        InboxRow(
            c.id, c.owner_nation, c.id in unread, c.starred, c.message_count, c.last_message_at
        )
        for c in rows
    ], total


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


def read(*, session: Session, keyring: Keyring, conversation_id: str) -> ConversationView:
    """Decrypt a conversation for an officer of its desk; each message read is audited."""
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
    mark_read(session, principal, conversation)
    return ConversationView(
        conversation.id,
        conversation.owner_nation,
        conversation.starred,
        conversation.routed_at,
        views,
    )


def mark_read(session: Session, principal: policy.Principal, conversation: Conversation) -> None:
    """Opened by this officer, now: read for them alone."""
    row = session.get(ConversationRead, (conversation.id, principal.officer_id))
    if row is None:
        session.add(
            ConversationRead(
                conversation_id=conversation.id, officer_id=principal.officer_id, read_at=utcnow()
            )
        )
    else:
        row.read_at = utcnow()
    conversation.unread = False
    session.flush()


def reply(*, session: Session, keyring: Keyring, conversation_id: str, text: str) -> Message:
    """A reply is sealed to the contact's codename-derived key and to the desk."""
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


def route(*, session: Session, keyring: Keyring, conversation_id: str, desk_code: str) -> None:
    """The coordination cell hands a conversation to a national desk: every content key is
    sealed to that desk's key (no content is re-encrypted or copied in clear), and the cell's
    own wraps are removed, so it keeps nothing it no longer needs."""
    principal = keyring.principal
    conversation = _conversation(session, principal, roles.CONVERSATION_ROUTE, conversation_id)
    try:
        target = accounts_service.get_desk(session=session, code=desk_code)
    except UnknownDesk as exc:
        # A bad field in the request, not a missing conversation: 400, not 404.
        raise BadInput("desk", f"{desk_code} is not a desk") from exc
    if target.is_coordination:
        raise BadInput("desk", f"{target.code} is the coordination cell; choose a national desk")
    if target.code == conversation.owner_nation:
        raise BadInput("desk", f"the conversation is already with {target.code}")
    target_key = accounts_service.current_desk_key(session=session, desk_code=target.code)
    if target_key is None:
        raise BadInput("desk", f"{target.code} has no key yet")
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
    previous = conversation.owner_nation
    conversation.owner_nation = target.code
    conversation.routed_at = utcnow()
    conversation.unread = True
    session.flush()
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
        nation=target.code,
    )


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
