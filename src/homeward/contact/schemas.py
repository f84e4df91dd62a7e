"""API shapes of the contact channel, kept apart from the tables."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class InboxItem(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    desk: str
    unread: bool
    starred: bool
    message_count: int
    last_message_at: datetime | None


class InboxPage(BaseModel):
    items: list[InboxItem]
    total: int
    page: int
    page_size: int


class AttachmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    filename: str
    content_type: str
    size_bytes: int


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    direction: str
    created_at: datetime
    text: str
    attachments: list[AttachmentOut]


class ConversationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    desk: str
    starred: bool
    routed_at: datetime | None
    messages: list[MessageOut]


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=20_000)


class ReplyOut(BaseModel):
    id: str
    created_at: datetime


class StarIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starred: bool


class RouteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    desk: str = Field(min_length=3, max_length=3, pattern="^[A-Z]{3}$")
