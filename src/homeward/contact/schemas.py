"""API shapes of the contact channel, kept apart from the tables."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class InboxItem(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    desk: str
    unread: bool
    """For the officer asking: a letter they have not opened."""
    starred: bool
    message_count: int
    last_message_at: datetime | None
    awaiting_reply_since: datetime | None
    language: str | None
    has_files: bool
    routed_at: datetime | None
    recallable: bool
    case_references: list[str] = []
    """The cases behind the conversation that the officer may see."""


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
    name: str
    desk: str
    starred: bool
    routed_at: datetime | None
    awaiting_reply_since: datetime | None
    language: str | None
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


class ReadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    read: bool


class RouteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    desk: str = Field(min_length=3, max_length=3, pattern="^[A-Z]{3}$")
    reason: str = Field(min_length=1, max_length=1000)
    """Why this desk: kept under the server data key, shown to the cell and the desk."""


class RecallIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=1000)


class BulkIn(BaseModel):
    """One action on many conversations, as the inbox page's bulk form: each checked and
    audited as if alone, all or nothing. Routing needs `desk` and `reason`, as routing one does
    (the page's confirmation step is the client's to ask)."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["read", "unread", "star", "unstar", "route"]
    ids: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        min_length=1,
        max_length=200,  # contact.inbox.BULK_MAX
    )
    desk: str = Field(default="", max_length=3, pattern="^([A-Z]{3})?$")
    reason: str = Field(default="", max_length=1000)


class BulkOut(BaseModel):
    changed: int
    """How many conversations the action went through (each counted once)."""
