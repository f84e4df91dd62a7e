"""Contacts and what they write. Contents are stored only as ciphertext (tier 1).

Each message and attachment has its own random content key; `KeyWrap` rows seal that key to
each desk key allowed to read it, and a reply also seals it to the contact's reply key.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from homeward.core.db import Base, new_id, utcnow
from homeward.policy import roles
from homeward.policy.labels import Labelled

FROM_CONTACT = "contact"
FROM_DESK = "desk"


class Contact(Base):
    """Someone who holds a codename. Nothing here names, locates or describes them."""

    __tablename__ = "contact"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    lookup: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    reply_public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_on: Mapped[date] = mapped_column(Date)
    """Day only: enough to purge codenames never used, no more."""

    conversation: Mapped[Conversation | None] = relationship(
        back_populates="contact", cascade="all, delete-orphan", uselist=False
    )


class Conversation(Labelled, Base):
    """A contact's exchange with the desk that owns it (the coordination cell until routed)."""

    __tablename__ = "conversation"
    __read_permission__ = roles.CONVERSATION_READ
    __table_args__ = (Index("ix_conversation_inbox", "owner_nation", "unread", "last_message_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    contact_id: Mapped[str] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), unique=True
    )
    starred: Mapped[bool] = mapped_column(Boolean, default=False)
    unread: Mapped[bool] = mapped_column(Boolean, default=True)
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    last_message_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    routed_at: Mapped[datetime | None] = mapped_column(default=None)
    name: Mapped[str | None] = mapped_column(String(40), default=None)
    """Two random words officers say aloud ("amber harbour"); never derived from the contact."""
    awaiting_reply_since: Mapped[datetime | None] = mapped_column(default=None, index=True)
    """The contact's first letter since the desk last answered; None once answered."""
    language: Mapped[str | None] = mapped_column(String(5), default=None)
    """The page language the contact last wrote from: the language to answer in."""
    has_files: Mapped[bool] = mapped_column(Boolean, default=False)

    contact: Mapped[Contact] = relationship(back_populates="conversation")
    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation",
        cascade="all, delete-orphan",
        order_by="Message.created_at",
    )


class ConversationRead(Base):
    """When one officer last opened a conversation: read state is per officer, not per desk."""

    __tablename__ = "conversation_read"

    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversation.id", ondelete="CASCADE"), primary_key=True
    )
    officer_id: Mapped[str] = mapped_column(
        ForeignKey("officer.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    read_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConversationRoute(Base):
    """One routing decision by the coordination cell: to which desk, by whom, why (tier 2, under
    the server data key), and a recall by the receiving desk while nobody there has opened it."""

    __tablename__ = "conversation_route"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversation.id", ondelete="CASCADE"), index=True
    )
    from_nation: Mapped[str] = mapped_column(String(3))
    to_nation: Mapped[str] = mapped_column(String(3))
    routed_by: Mapped[str] = mapped_column(ForeignKey("officer.id"))
    routed_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    opened_at: Mapped[datetime | None] = mapped_column(default=None)
    recalled_by: Mapped[str | None] = mapped_column(ForeignKey("officer.id"), default=None)
    recalled_at: Mapped[datetime | None] = mapped_column(default=None)
    recall_reason_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)


class Message(Base):
    __tablename__ = "message"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversation.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[str] = mapped_column(String(10))
    officer_id: Mapped[str | None] = mapped_column(ForeignKey("officer.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    contact_sealed_key: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    """For replies: the content key sealed to the contact's codename-derived key."""

    conversation: Mapped[Conversation] = relationship(back_populates="messages")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="message", cascade="all, delete-orphan"
    )
    wraps: Mapped[list[KeyWrap]] = relationship(
        primaryjoin="Message.id == KeyWrap.message_id", cascade="all, delete-orphan"
    )


class Attachment(Base):
    """A file, encrypted chunk by chunk into the blob store under its own key."""

    __tablename__ = "attachment"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    message_id: Mapped[str] = mapped_column(
        ForeignKey("message.id", ondelete="CASCADE"), index=True
    )
    blob_name: Mapped[str] = mapped_column(String(64), unique=True)
    size_bytes: Mapped[int] = mapped_column(Integer)
    meta: Mapped[bytes] = mapped_column(LargeBinary)
    """File name and type, encrypted with the attachment's key."""

    message: Mapped[Message] = relationship(back_populates="attachments")
    wraps: Mapped[list[KeyWrap]] = relationship(
        primaryjoin="Attachment.id == KeyWrap.attachment_id", cascade="all, delete-orphan"
    )


class KeyWrap(Base):
    """A content key sealed to one desk key version."""

    __tablename__ = "key_wrap"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    message_id: Mapped[str | None] = mapped_column(
        ForeignKey("message.id", ondelete="CASCADE"), index=True, default=None
    )
    attachment_id: Mapped[str | None] = mapped_column(
        ForeignKey("attachment.id", ondelete="CASCADE"), index=True, default=None
    )
    desk_key_id: Mapped[str] = mapped_column(ForeignKey("desk_key.id"), index=True)
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)
