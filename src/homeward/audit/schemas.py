"""API shapes of the audit log."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class CheckpointOut(BaseModel):
    size: int
    note: str
    """The signed checkpoint with every cosignature it has."""


class ConsistencyOut(BaseModel):
    old_size: int
    new_size: int
    proof: list[str]
    """Base64 SHA-256 hashes, RFC 6962 order."""


class LogKeyOut(BaseModel):
    vkey: str


class EntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    leaf_index: int
    at: datetime
    actor: str
    action: str
    resource_type: str
    resource_id: str
    nation: str | None


class EntryPage(BaseModel):
    items: list[EntryOut]
    total: int
    page: int
    page_size: int


class VerdictIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    witness: str = Field(min_length=1, max_length=120)
    checkpoint_size: int = Field(ge=0)
    signature_line: str | None = Field(default=None, max_length=400)
    reason: str | None = Field(default=None, max_length=2000)


class VerdictOut(BaseModel):
    witness: str
    checkpoint_size: int
    verdict: str
