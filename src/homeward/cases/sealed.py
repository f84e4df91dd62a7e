"""Tier-1 sealing for what a case's handover says (passage: plans, handover confirmations,
custody entries; households: a child's handover to child protection and its confirmations):
the content under a key of its own, that key sealed to each desk key named. Only an officer
whose desk holds one of those keys opens it; the server alone cannot. Here, below both
capabilities, because they may not import each other."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.accounts.models import DeskKey
from homeward.accounts.service import Keyring
from homeward.cases.models import CaseTransfer
from homeward.cases.transfers import PENDING
from homeward.core.errors import BadInput, Forbidden
from homeward.crypto import sealing


class Wrap(Protocol):
    desk_key_id: str
    sealed_key: bytes


def desk_keys(session: Session, desks: Sequence[tuple[str, str]]) -> list[DeskKey]:
    """The current key of each (desk code, how a refusal names it)."""
    found = []
    for code, who in desks:
        key = accounts_service.current_desk_key(session=session, desk_code=code)
        if key is None:
            raise BadInput("desk", f"{who} ({code}) has no key yet: it could not read this")
        found.append(key)
    return found


def owner_desks(session: Session, *, owner_nation: str, case_id: str) -> list[tuple[str, str]]:
    """The owning desk and, while a transfer of the case waits for an answer, the desk it is
    addressed to: what is written meanwhile must open for it once it accepts (a refusal removes
    its wraps again, cases/followers.py)."""
    desks = [(owner_nation, "the owning desk")]
    waiting = session.scalar(
        select(CaseTransfer.to_nation).where(
            CaseTransfer.case_id == case_id, CaseTransfer.status == PENDING
        )
    )
    if waiting is not None:
        desks.append((waiting, "the desk the case is being transferred to"))
    return desks


def seal(content: dict[str, Any], keys: list[DeskKey]) -> tuple[bytes, list[tuple[str, bytes]]]:
    """The encrypted content and, per desk key, the content key sealed to it."""
    content_key = sealing.random_bytes()
    body = sealing.encrypt(content_key, json.dumps(content, ensure_ascii=False).encode())
    return body, [(key.id, sealing.seal(key.public_key, content_key)) for key in keys]


def open_body(
    session: Session, keyring: Keyring, body: bytes, wraps: Sequence[Wrap]
) -> dict[str, Any]:
    """The content, for an officer whose desk holds one of the keys it is sealed to."""
    held = accounts_service.desk_private_keys(session=session, keyring=keyring)
    return open_with(held, body, wraps)


def open_with(held: dict[str, bytes], body: bytes, wraps: Sequence[Wrap]) -> dict[str, Any]:
    """The content, with the officer's desk keys already opened (many records in one read)."""
    wrap = next((wrap for wrap in wraps if wrap.desk_key_id in held), None)
    if wrap is None:
        raise Forbidden("you hold none of the desk keys this is sealed to")
    content_key = sealing.unseal(held[wrap.desk_key_id], wrap.sealed_key)
    opened: dict[str, Any] = json.loads(sealing.decrypt(content_key, body))
    return opened
