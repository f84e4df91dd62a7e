"""The Merkle log through the real service path: contiguous leaves, stored nodes that give
the same root as recomputing, appends batched per transaction."""

from __future__ import annotations

from sqlalchemy import func, select

from homeward.audit import log, merkle
from homeward.audit import service as audit
from homeward.audit.models import AuditEvent, AuditNode
from homeward.core.runtime import Runtime


def _append(runtime: Runtime, count: int, prefix: str = "r") -> None:
    with runtime.db.transaction() as session:
        for number in range(count):
            audit.record(
                session=session,
                actor="system",
                action="test:entry:add",
                resource_type="thing",
                resource_id=f"{prefix}{number}",
                nation="FRA",
            )


def test_leaves_are_contiguous_and_the_stored_tree_agrees(runtime: Runtime) -> None:
    for batch in (1, 2, 5, 13, 1, 40):
        _append(runtime, batch, prefix=f"b{batch}-")
    with runtime.db.transaction() as session:
        rows = session.execute(
            select(AuditEvent.leaf_index, AuditEvent.leaf_hash).order_by(AuditEvent.leaf_index)
        ).all()
        size, head_root = log.head(session)
        tree = log.StoredTree(session)
        for probe in range(1, size + 1):
            assert tree.root(probe) == merkle.root_of(row[1] for row in rows[:probe])[1]
        nodes = session.scalar(select(func.count()).select_from(AuditNode))
    assert [row[0] for row in rows] == list(range(len(rows)))
    assert size == len(rows)
    assert head_root == merkle.root_of(row[1] for row in rows)[1]
    assert nodes == sum(size >> level for level in range(size.bit_length()))


def test_leaf_hash_covers_every_field(runtime: Runtime) -> None:
    _append(runtime, 1)
    with runtime.db.transaction() as session:
        entry = session.scalars(select(AuditEvent).order_by(AuditEvent.leaf_index.desc())).first()
        assert entry is not None
        encoded = log.encode_fields(
            entry.at,
            entry.actor,
            entry.action,
            entry.resource_type,
            entry.resource_id,
            entry.nation,
            entry.detail_digest,
        )
    assert merkle.leaf_hash(encoded) == entry.leaf_hash
    assert b"test:entry:add" in encoded
    assert b"FRA" in encoded


def test_fields_that_would_break_the_encoding_are_refused(runtime: Runtime) -> None:
    import pytest

    with pytest.raises(ValueError, match="line break"), runtime.db.transaction() as session:
        audit.record(
            session=session, actor="system", action="x:y\nz", resource_type="t", resource_id="1"
        )
