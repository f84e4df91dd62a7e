"""API shapes of sign-in and desks."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1000)
    code: str = Field(min_length=6, max_length=8, pattern="^[0-9]+$")
    device: str | None = Field(
        default=None,
        max_length=64,
        description="The device token of an earlier sign-in from this client, if it kept one: "
        "its attempts pass the server-wide ceiling on failures and are throttled apart.",
    )


class TokenOut(BaseModel):
    token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    idle_timeout_seconds: int
    device: str
    """Keep it and send it with the next sign-in (see TokenIn.device)."""


class DeskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    is_coordination: bool


class Me(BaseModel):
    officer_id: str
    username: str
    role: str
    nation: str
    clearance: int
