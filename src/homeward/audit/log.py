"""The append-only Merkle log behind the audit table.

Services call `audit.service.record`, which only queues the entry on the database session.
Just before that session commits, `_append_queued` takes the log's head row as a lock, gives
the queued entries the next leaf indexes, stores their leaf hashes and every complete subtree
hash they complete, and moves the head: the entries commit or roll back with the change they
describe, and proofs never recompute the tree.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, insert, select, tuple_
from sqlalchemy.orm import Session

from homeward.audit import merkle
from homeward.audit.models import AuditEvent, AuditHead, AuditNode
from homeward.core.db import utcnow

HEAD_ID = 1
QUEUE_KEY = "homeward.audit.queue"
ENCODING_VERSION = "homeward-audit/v1"
_FIELDS = ("actor", "action", "resource_type", "resource_id", "nation")


def format_time(at: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SS.ffffffZ` in UTC (isoformat is several times faster than strftime,
    which matters when a million entries are verified)."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")[:26] + "Z"


def encode_fields(  # noqa: PLR0917 - positional, so a streamed row is splatted without a dict
    at: datetime | str,
    actor: str,
    action: str,
    resource_type: str,
    resource_id: str,
    nation: str | None,
    detail_digest: bytes | None,
) -> bytes:
    """The canonical bytes of an entry: one field a line, fixed order, no personal detail
    beyond its keyed hash. The leaf hash is computed over exactly these bytes."""
    return (
        f"{ENCODING_VERSION}\n{stored_time_text(at)}\n{actor}\n{action}\n{resource_type}\n"
        f"{resource_id}\n{nation or '-'}\n{detail_digest.hex() if detail_digest else '-'}\n"
    ).encode()


def stored_time_text(value: datetime | str) -> str:
    """format_time of a raw stored value: SQLite keeps `YYYY-MM-DD HH:MM:SS.ffffff` (UTC, as
    UtcDateTime wrote it), PostgreSQL hands back a datetime. Reading the raw value lets
    verification skip the per-row type conversion."""
    if isinstance(value, str):
        return value.replace(" ", "T", 1)[:26] + "Z"
    return format_time(value)


def encode(entry: Mapping[str, Any]) -> bytes:
    return encode_fields(
        entry["at"],
        entry["actor"],
        entry["action"],
        entry["resource_type"],
        entry["resource_id"],
        entry.get("nation"),
        entry.get("detail_digest"),
    )


def check_fields(entry: Mapping[str, Any]) -> None:
    for name in _FIELDS:
        value = entry.get(name)
        if name != "nation" and not value:
            msg = f"audit field {name} is required"
            raise ValueError(msg)
        if value is not None and ("\n" in str(value) or str(value) == "-"):
            msg = f"audit field {name} may not be '-' or hold a line break"
            raise ValueError(msg)


def queue(session: Session, entry: dict[str, Any]) -> None:
    check_fields(entry)
    entry.setdefault("at", utcnow())
    session.info.setdefault(QUEUE_KEY, []).append(entry)


def queued(session: Session) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = session.info.get(QUEUE_KEY, [])
    return entries


def _frontier_positions(size: int) -> Iterator[tuple[int, int]]:
    """(level, position) of the complete subtrees along the right edge of a tree of `size`."""
    for level in range(size.bit_length()):
        if size >> level & 1:
            yield level, (size >> level) - 1


def _load_frontier(session: Session, size: int) -> dict[int, bytes]:
    wanted = list(_frontier_positions(size))
    if not wanted:
        return {}
    rows = session.execute(
        select(AuditNode.level, AuditNode.position, AuditNode.hash).where(
            tuple_(AuditNode.level, AuditNode.position).in_(wanted)
        )
    )
    frontier = {level: node for level, _position, node in rows}
    if len(frontier) != len(wanted):
        msg = "the audit tree is missing nodes: run `homeward audit verify`"
        raise RuntimeError(msg)
    return frontier


def root_from_frontier(frontier: Mapping[int, bytes]) -> bytes:
    if not frontier:
        return merkle.EMPTY_ROOT
    levels = sorted(frontier)
    root = frontier[levels[0]]
    for level in levels[1:]:
        root = merkle.node_hash(frontier[level], root)
    return root


def lock_head(session: Session) -> AuditHead:
    head = session.scalar(select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update())
    if head is None:
        msg = "the audit log has no head row: run `homeward init`"
        raise RuntimeError(msg)
    return head


def append(session: Session, entries: Iterable[dict[str, Any]]) -> int:
    """Append entries as leaves; returns the new tree size. Call inside the transaction."""
    batch = list(entries)
    if not batch:
        return -1
    head = lock_head(session)
    size = head.size
    frontier = _load_frontier(session, size)
    nodes: list[dict[str, Any]] = []
    for entry in batch:
        leaf = merkle.leaf_hash(encode(entry))
        entry["leaf_index"], entry["leaf_hash"] = size, leaf
        level, position, current = 0, size, leaf
        nodes.append({"level": 0, "position": position, "hash": current})
        while position & 1:
            current = merkle.node_hash(frontier.pop(level), current)
            level, position = level + 1, position >> 1
            nodes.append({"level": level, "position": position, "hash": current})
        frontier[level] = current
        size += 1
    session.execute(insert(AuditEvent), batch)
    session.execute(insert(AuditNode), nodes)
    head.size, head.root, head.updated_at = size, root_from_frontier(frontier), utcnow()
    session.flush()
    return size


@event.listens_for(Session, "before_commit")
def _append_queued(session: Session) -> None:
    batch = session.info.pop(QUEUE_KEY, None)
    if batch:
        append(session, batch)


@event.listens_for(Session, "after_rollback")
def _forget_queued(session: Session) -> None:
    session.info.pop(QUEUE_KEY, None)


def head(session: Session) -> tuple[int, bytes]:
    row = session.get(AuditHead, HEAD_ID)
    if row is None:
        return 0, merkle.EMPTY_ROOT
    return row.size, row.root


class StoredTree:
    """Answers subtree hashes from the stored nodes, for proofs, with one query each."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._cache: dict[tuple[int, int], bytes] = {}

    def _node(self, level: int, position: int) -> bytes:
        key = (level, position)
        if key not in self._cache:
            found = self._session.scalar(
                select(AuditNode.hash).where(
                    AuditNode.level == level, AuditNode.position == position
                )
            )
            if found is None:
                msg = f"audit tree node {level}/{position} is missing"
                raise merkle.ProofError(msg)
            self._cache[key] = found
        return self._cache[key]

    def subtree(self, start: int, size: int) -> bytes:
        if size & (size - 1) == 0 and start % size == 0:
            return self._node(size.bit_length() - 1, start // size)
        k = merkle.largest_power_of_two_below(size)
        return merkle.node_hash(self.subtree(start, k), self.subtree(start + k, size - k))

    def root(self, size: int) -> bytes:
        return merkle.EMPTY_ROOT if size == 0 else self.subtree(0, size)
