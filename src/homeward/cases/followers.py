"""Records that carry a case's labels and are sealed to its desk, kept in step with the case.

A passage plan, its handover and the custody chain copy their case's labels (so that the one
policy binding filters them) and seal their content to the owning desk's key. When the case's
protection changes, or its owner does, they must change with it in the same transaction, or a
plan would stay readable by a nation the case was withdrawn from, or unreadable by the desk the
case was handed to.

The cases layer cannot import the capabilities above it, so each registers a follower here when
its models are imported (as a labelled model registers with the binding): every process that
can hold such a record has its follower. The case service calls every follower; a follower
that cannot follow (a plan the coordination cell must read, on a case raised above what the
cell may be released) refuses, and the whole change rolls back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from homeward.accounts.models import DeskKey
from homeward.cases.models import Case
from homeward.core.errors import BadInput
from homeward.crypto import sealing

ReleaseCheck = Callable[[list[str]], str]
"""Given the release list a follower's record needs, the encoded list, or BadInput when the
case's new protection does not allow it (the coordination cell above its level)."""


class Wrap(Protocol):
    desk_key_id: str
    sealed_key: bytes


@dataclass(frozen=True)
class Follower:
    """What a capability does for its records of one case."""

    name: str
    relabel: Callable[[Session, Case, ReleaseCheck], None]
    """Copy the case's owner and level again, and its release list with what the record adds."""
    share: Callable[[Session, Case, Mapping[str, bytes], DeskKey], None]
    """Seal every content key of the case's records to one more desk key as well (a transfer
    requested): from the desk keys the acting officer holds, never from a copy in clear."""
    unshare: Callable[[Session, Case, set[str]], None]
    """Remove the wraps for these desk keys (the old desk after a transfer, the refused one)."""


_FOLLOWERS: dict[str, Follower] = {}


def register(follower: Follower) -> None:
    _FOLLOWERS[follower.name] = follower


def registered() -> list[str]:
    """The names of the followers this process knows (for tests and checks)."""
    return sorted(_FOLLOWERS)


def relabel(session: Session, case: Case, check: ReleaseCheck) -> None:
    for follower in _FOLLOWERS.values():
        follower.relabel(session, case, check)


def share(session: Session, case: Case, held: Mapping[str, bytes], target: DeskKey) -> None:
    for follower in _FOLLOWERS.values():
        follower.share(session, case, held, target)


def unshare(session: Session, case: Case, desk_key_ids: set[str]) -> None:
    if desk_key_ids:
        for follower in _FOLLOWERS.values():
            follower.unshare(session, case, desk_key_ids)


def sealed_again(wraps: Sequence[Wrap], held: Mapping[str, bytes], target: DeskKey) -> bytes | None:
    """The content key under `wraps`, sealed to `target`; None when `target` already holds it.
    Refused when none of the acting officer's desk keys opens it."""
    if any(wrap.desk_key_id == target.id for wrap in wraps):
        return None
    content_key = next(
        (
            sealing.unseal(held[wrap.desk_key_id], wrap.sealed_key)
            for wrap in wraps
            if wrap.desk_key_id in held
        ),
        None,
    )
    if content_key is None:
        raise BadInput("case", "a sealed record of this case does not open with your desk's keys")
    return sealing.seal(target.public_key, content_key)
