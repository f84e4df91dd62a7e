"""Verifying the whole log: recompute every leaf and the tree, check every checkpoint.

Any edit, deletion, reordering, insertion or truncation of stored entries shows as a leaf that
no longer hashes to what was stored, an index out of sequence, a root that differs from a
signed checkpoint, or fewer entries than a checkpoint promised.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import String, and_, func, select, type_coerce
from sqlalchemy.orm import Session, aliased

from homeward.audit import log, merkle, notes
from homeward.audit.models import AuditCheckpoint, AuditEvent, AuditNode

Progress = Callable[[int, int], None]
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


def _check_nodes(session: Session, size: int, report: Report) -> None:
    """Proofs are served from the stored subtree hashes, not from the entries: each stored
    node must be the hash of its two stored children, every leaf node the entry's leaf hash,
    and every complete subtree of the log present. One join per rule, streamed."""
    for level in range(size.bit_length()):
        expected = size >> level
        stored = int(
            session.scalar(
                select(func.count())
                .select_from(AuditNode)
                .where(AuditNode.level == level, AuditNode.position < expected)
            )
            or 0
        )
        if stored != expected:
            report.fail(None, f"{expected - stored} tree nodes of level {level} are missing")
            return
    with session.execute(
        select(AuditNode.position, AuditNode.hash, AuditEvent.leaf_hash)
        .join(AuditEvent, AuditEvent.leaf_index == AuditNode.position)
        .where(AuditNode.level == 0, AuditNode.position < size)
        .order_by(AuditNode.position)
        .execution_options(yield_per=20_000)
    ) as leaves:
        for position, stored_hash, leaf in leaves:
            report.nodes_checked += 1
            if stored_hash != leaf:
                _bad_node(report, 0, int(position))
                return
    parent, left, right = aliased(AuditNode), aliased(AuditNode), aliased(AuditNode)
    with session.execute(
        select(parent.level, parent.position, parent.hash, left.hash, right.hash)
        .join(left, and_(left.level == parent.level - 1, left.position == parent.position * 2))
        .join(
            right, and_(right.level == parent.level - 1, right.position == parent.position * 2 + 1)
        )
        .where(parent.level > 0)
        .order_by(parent.level, parent.position)
        .execution_options(yield_per=20_000)
    ) as pairs:
        for level, position, stored_hash, left_hash, right_hash in pairs:
            report.nodes_checked += 1
            if (position + 1) << level <= size and stored_hash != merkle.node_hash(
                left_hash, right_hash
            ):
                _bad_node(report, int(level), int(position))
                return


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
        _check_nodes(session, tree.size, report)
    return report
