"""Verifying the whole log: recompute every leaf and the tree, check every checkpoint.

Any edit, deletion, reordering, insertion or truncation of stored entries shows as a leaf that
no longer hashes to what was stored, an index out of sequence, a root that differs from a
signed checkpoint, or fewer entries than a checkpoint promised.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from hashlib import sha256

from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.orm import Session

from homeward.audit import log, merkle, notes
from homeward.audit.models import AuditCheckpoint, AuditEvent, AuditNode

Progress = Callable[[int, int], None]
_HASH = 32
_NODE_PREFIX = b"\x01"
"""RFC 6962: an inner node is SHA-256(0x01 || left || right), as merkle.node_hash."""
_COLUMNS = (
    AuditEvent.leaf_index,
    type_coerce(AuditEvent.at, String()).label("at"),  # raw: see log.stored_time_text
    AuditEvent.actor,
    AuditEvent.action,
    AuditEvent.resource_type,
    AuditEvent.resource_id,
    AuditEvent.nation,
    AuditEvent.detail_digest,
    AuditEvent.leaf_hash,
)


@dataclass
class Report:
    size: int = 0
    checkpoints_checked: int = 0
    nodes_checked: int = 0
    problems: list[str] = field(default_factory=list)
    first_bad_entry: int | None = None
    first_bad_node: tuple[int, int] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def fail(self, index: int | None, problem: str) -> None:
        if index is not None and (self.first_bad_entry is None or index < self.first_bad_entry):
            self.first_bad_entry = index
        self.problems.append(problem)


class _Tree:
    """The running tree over leaves as they stream: complete subtrees on a stack."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, bytes]] = []
        self.size = 0

    def add(self, leaf: bytes) -> None:
        height, current = 0, leaf
        while self.stack and self.stack[-1][0] == height:
            current = merkle.node_hash(self.stack.pop()[1], current)
            height += 1
        self.stack.append((height, current))
        self.size += 1

    def root(self) -> bytes:
        if not self.stack:
            return merkle.EMPTY_ROOT
        root = self.stack[-1][1]
        for _, left in reversed(self.stack[:-1]):
            root = merkle.node_hash(left, root)
        return root


def _check_signatures(
    checkpoints: list[AuditCheckpoint], key: notes.VerifierKey, report: Report
) -> None:
    for checkpoint in checkpoints:
        try:
            parsed = notes.parse_checkpoint(notes.verify_note(checkpoint.note, key).text)
        except notes.NoteError as exc:
            report.fail(None, f"checkpoint of size {checkpoint.size}: {exc}")
            continue
        if (parsed.size, parsed.root) != (checkpoint.size, checkpoint.root):
            report.fail(
                None,
                f"checkpoint of size {checkpoint.size}: stored fields differ from its signed text",
            )


def _first_stored_leaf_mismatch(session: Session, start: int, end: int) -> int | None:
    """Where leaves were rewritten with matching leaf hashes, the tree's own stored leaf
    nodes still tell which entry changed."""
    rows = session.execute(
        select(AuditEvent.leaf_index, AuditEvent.leaf_hash, AuditNode.hash)
        .join(AuditNode, (AuditNode.level == 0) & (AuditNode.position == AuditEvent.leaf_index))
        .where(AuditEvent.leaf_index >= start, AuditEvent.leaf_index < end)
        .order_by(AuditEvent.leaf_index)
    )
    for index, stored, node in rows:
        if stored != node:
            return int(index)
    return None


def _check_checkpoint(
    session: Session,
    checkpoint: AuditCheckpoint,
    tree: _Tree,
    last_checked: int,
    report: Report,
) -> int:
    """Compare the running root with a signed checkpoint; returns the size now checked."""
    report.checkpoints_checked += 1
    if tree.root() != checkpoint.root:
        known = report.first_bad_entry
        culprit = (
            known
            if known is not None and known >= last_checked
            else _first_stored_leaf_mismatch(session, last_checked, checkpoint.size)
        )
        report.fail(
            culprit if culprit is not None else last_checked,
            f"entries {last_checked}..{checkpoint.size - 1} no longer match the signed "
            f"checkpoint of size {checkpoint.size}",
        )
    return checkpoint.size


def _node_text(level: int, position: int) -> str:
    first = position << level
    return f"tree node {level}/{position} (entries {first}..{first + (1 << level) - 1})"


def _check_nodes(session: Session, leaves: bytearray, report: Report) -> None:
    """Proofs are served from the stored subtree hashes, not from the entries, so each stored
    level is compared with the same level recomputed from the entries' leaf hashes, one level
    at a time: a plain scan of the node table's key per level, no join, each level held as one
    bytearray (32 bytes a node, half the size of the one below) and compared whole; only a
    level that differs is walked node by node to name the first bad one."""
    level, below = 0, leaves
    while len(below) >= _HASH:
        expected = len(below) // _HASH
        stored = _stored_level(session, level, expected)
        if stored != below:
            _locate(session, level, below, report)
            return
        report.nodes_checked += expected
        level, below = level + 1, _level_above(below)


def _stored_level(session: Session, level: int, count: int) -> bytes:
    with session.execute(
        select(AuditNode.hash)
        .where(AuditNode.level == level, AuditNode.position < count)
        .order_by(AuditNode.position)
        .execution_options(yield_per=50_000)
    ) as rows:
        return b"".join(row[0] for row in rows)


def _level_above(below: bytearray) -> bytearray:
    pair, above = 2 * _HASH, bytearray()
    for offset in range(0, len(below) // pair * pair, pair):
        above += sha256(_NODE_PREFIX + below[offset : offset + pair]).digest()
    return above


def _locate(session: Session, level: int, below: bytearray, report: Report) -> None:
    """The slow path, on a level that differs: which node is wrong or missing."""
    expected = len(below) // _HASH
    with session.execute(
        select(AuditNode.position, AuditNode.hash)
        .where(AuditNode.level == level, AuditNode.position < expected)
        .order_by(AuditNode.position)
        .execution_options(yield_per=50_000)
    ) as rows:
        seen = 0
        for position, stored in rows:
            if position != seen:
                break
            if stored != below[seen * _HASH : (seen + 1) * _HASH]:
                _bad_node(report, level, seen)
                return
            seen += 1
    report.fail(None, f"{_node_text(level, seen)} is missing from the stored tree")


def _bad_node(report: Report, level: int, position: int) -> None:
    report.first_bad_node = (level, position)
    report.fail(
        None,
        f"{_node_text(level, position)} differs from the entries below it: "
        "proofs through it would be wrong",
    )


def verify_log(
    *, session: Session, key: notes.VerifierKey, progress: Progress | None = None
) -> Report:
    report = Report()
    checkpoints = list(session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.size)))
    _check_signatures(checkpoints, key, report)
    head_size, head_root = log.head(session)
    total = int(session.scalar(select(func.count(AuditEvent.id))) or 0)
    pending = [cp for cp in checkpoints if cp.size > 0]
    tree = _Tree()
    leaves = bytearray()
    with session.connection().execute(
        select(*_COLUMNS).order_by(AuditEvent.leaf_index).execution_options(yield_per=20_000)
    ) as rows:
        last_checked = 0
        gap = False
        for row in rows:
            expected = tree.size
            index = row.leaf_index
            if index != expected:
                what = "missing (deleted)" if index > expected else "out of order"
                report.fail(expected, f"entry {expected} is {what}")
                gap = True
                break
            leaf = merkle.leaf_hash(log.encode_fields(*row[1:8]))
            if leaf != row.leaf_hash:
                report.fail(index, f"entry {index} was changed after it was written")
            tree.add(leaf)
            leaves += leaf
            while pending and pending[0].size == tree.size:
                last_checked = _check_checkpoint(
                    session, pending.pop(0), tree, last_checked, report
                )
            if progress is not None and tree.size % 50_000 == 0:
                progress(tree.size, total)
    report.size = tree.size
    if progress is not None:
        progress(tree.size, total)
    for checkpoint in pending:
        report.fail(
            tree.size,
            f"the checkpoint of size {checkpoint.size} cannot be checked past entry {tree.size}"
            if gap
            else f"the log was truncated: a checkpoint promises {checkpoint.size} entries, "
            f"{tree.size} remain",
        )
    if tree.size < head_size and not pending and report.ok:
        report.fail(tree.size, f"the log was truncated: its head says {head_size} entries")
    elif tree.size > head_size:
        report.fail(head_size, f"entries from {head_size} on were added outside the log")
    elif tree.size == head_size and report.ok and tree.root() != head_root:
        report.fail(None, "the stored head root differs from the entries")
    if report.ok:
        _check_nodes(session, leaves, report)
    return report
