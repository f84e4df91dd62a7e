"""tamper-evident audit log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_checkpoint",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoint")),
    )
    with op.batch_alter_table("audit_checkpoint", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_checkpoint_size"), ["size"], unique=False)

    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "audit_node",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "position", name=op.f("pk_audit_node")),
    )
    op.create_table(
        "audit_witness",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("nation", sa.String(length=3), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_audit_witness")),
    )
    op.create_table(
        "audit_cosignature",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "checkpoint_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("witness_name", sa.String(length=120), nullable=False),
        sa.Column("verdict", sa.String(length=10), nullable=False),
        sa.Column("signature_line", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"],
            ["audit_checkpoint.id"],
            name=op.f("fk_audit_cosignature_checkpoint_id_audit_checkpoint"),
        ),
        sa.ForeignKeyConstraint(
            ["witness_name"],
            ["audit_witness.name"],
            name=op.f("fk_audit_cosignature_witness_name_audit_witness"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_cosignature")),
        sa.UniqueConstraint(
            "checkpoint_id", "witness_name", name=op.f("uq_audit_cosignature_checkpoint_id")
        ),
    )
    with op.batch_alter_table("audit_cosignature", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_cosignature_checkpoint_id"), ["checkpoint_id"], unique=False
        )

    _run(GUARDS_0001_DROP)
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("leaf_index", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=True))
    size, root = _backfill()
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.alter_column("leaf_index", existing_type=sa.BigInteger(), nullable=False)
        batch_op.alter_column("leaf_hash", existing_type=sa.LargeBinary(length=32), nullable=False)
        batch_op.create_index(batch_op.f("ix_audit_event_actor"), ["actor"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_nation"), ["nation"], unique=False)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_event_leaf_index"), ["leaf_index"])
    op.execute(
        sa.text("INSERT INTO audit_head (id, size, root, updated_at) VALUES (1, :size, :root, :at)")
        .bindparams(sa.bindparam("root", type_=sa.LargeBinary()))
        .bindparams(size=size, root=root, at=datetime.now(UTC))
    )
    _run(guards(INSERT_ONLY))
    _grant_app_role()


def downgrade() -> None:
    _run(guards(INSERT_ONLY, drop=True))
    _run(GUARDS_0001_DROP)
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_event_leaf_index"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_audit_event_nation"))
        batch_op.drop_index(batch_op.f("ix_audit_event_actor"))
        batch_op.drop_column("leaf_hash")
        batch_op.drop_column("leaf_index")

    with op.batch_alter_table("audit_cosignature", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_cosignature_checkpoint_id"))

    op.drop_table("audit_cosignature")
    op.drop_table("audit_witness")
    op.drop_table("audit_node")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_checkpoint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_checkpoint_size"))

    op.drop_table("audit_checkpoint")
    _run(GUARDS_0001)


# Tables that only grow. audit_head is the one row that moves (size and root), under a lock.
INSERT_ONLY = ("audit_event", "audit_node", "audit_checkpoint", "audit_cosignature")
APP_ROLE = "homeward_app"

GUARDS_0001 = {
    "sqlite": [
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    ],
    "postgresql": [
        "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_refuse()",
        "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse()",
    ],
}
GUARDS_0001_DROP = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_event_no_update",
        "DROP TRIGGER IF EXISTS audit_event_no_delete",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event",
        "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event",
    ],
}


def guards(tables: tuple[str, ...], *, drop: bool = False) -> dict[str, list[str]]:
    """Triggers that refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) on each table."""
    sqlite: list[str] = []
    postgres: list[str] = []
    for table in tables:
        for verb in ("update", "delete"):
            name = f"{table}_no_{verb}"
            sqlite.append(
                f"DROP TRIGGER IF EXISTS {name}"
                if drop
                else f"CREATE TRIGGER {name} BEFORE {verb.upper()} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
        for name, when in (
            (f"{table}_no_change", "BEFORE UPDATE OR DELETE ON {t} FOR EACH ROW"),
            (f"{table}_no_truncate", "BEFORE TRUNCATE ON {t} FOR EACH STATEMENT"),
        ):
            postgres.append(
                f"DROP TRIGGER IF EXISTS {name} ON {table}"
                if drop
                else f"CREATE TRIGGER {name} {when.format(t=table)} "
                "EXECUTE FUNCTION audit_event_refuse()"
            )
    return {"sqlite": sqlite, "postgresql": postgres}


def _run(statements: dict[str, list[str]]) -> None:
    for statement in statements.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def _backfill() -> tuple[int, bytes]:
    """Give entries written before the Merkle log their leaf index, leaf hash and tree nodes,
    in the order they were written. Uses the v1 leaf encoding, which never changes."""
    bind = op.get_bind()
    events = sa.table(
        "audit_event",
        sa.column("id", sa.Integer()),
        sa.column("leaf_index", sa.BigInteger()),
        sa.column("leaf_hash", sa.LargeBinary()),
    )
    rows = (
        bind.execute(
            sa.text(
                "SELECT id, at, actor, action, resource_type, resource_id, nation, detail_digest "
                "FROM audit_event ORDER BY id"
            ).columns(at=_UtcDateTime())
        )
        .mappings()
        .all()
    )
    leaves = []
    for index, row in enumerate(rows):
        leaf = _leaf_hash(_encode_v1(dict(row)))
        leaves.append(leaf)
        bind.execute(
            sa.update(events)
            .where(events.c.id == row["id"])
            .values(leaf_index=index, leaf_hash=leaf)
        )
    nodes: list[dict[str, object]] = []
    level_hashes = leaves
    level = 0
    while level_hashes:
        nodes.extend(
            {"level": level, "position": position, "hash": value}
            for position, value in enumerate(level_hashes)
        )
        level_hashes = [
            _node_hash(level_hashes[i], level_hashes[i + 1])
            for i in range(0, len(level_hashes) - 1, 2)
        ]
        level += 1
    if nodes:
        op.bulk_insert(
            sa.table(
                "audit_node",
                sa.column("level", sa.SmallInteger()),
                sa.column("position", sa.BigInteger()),
                sa.column("hash", sa.LargeBinary()),
            ),
            nodes,
        )
    return _root_of(leaves)


def _grant_app_role() -> None:
    """On PostgreSQL, a `homeward_app` role for the application: it may read and insert the
    log but not update or delete it, so the grants refuse what the triggers refuse. Created
    only where the migrating user may create roles."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    allowed = bind.execute(
        sa.text("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
    ).scalar()
    if not allowed:
        return
    op.execute(
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') "
        f"THEN CREATE ROLE {APP_ROLE} NOLOGIN; END IF; END $$"
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {', '.join(INSERT_ONLY)} FROM {APP_ROLE}")


# Frozen copies of what the backfill needs from the application as it was at this revision
# (homeward.core.db.UtcDateTime, homeward.audit.log.encode, homeward.audit.merkle): a migration
# must give the same result whatever the live code becomes.


class _UtcDateTime(sa.TypeDecorator[datetime]):
    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, _dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _encode_v1(entry: Mapping[str, Any]) -> bytes:
    """The v1 leaf encoding of an audit entry: one field a line, fixed order."""
    at = entry["at"].astimezone(UTC).isoformat(timespec="microseconds")[:26] + "Z"
    nation = entry.get("nation") or "-"
    digest = entry.get("detail_digest")
    return (
        f"homeward-audit/v1\n{at}\n{entry['actor']}\n{entry['action']}\n"
        f"{entry['resource_type']}\n{entry['resource_id']}\n{nation}\n"
        f"{digest.hex() if digest else '-'}\n"
    ).encode()


def _leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _root_of(leaf_hashes: list[bytes]) -> tuple[int, bytes]:
    """Size and root of the RFC 6962 tree over these leaf hashes."""
    stack: list[tuple[int, bytes]] = []
    for leaf in leaf_hashes:
        height, current = 0, leaf
        while stack and stack[-1][0] == height:
            _, left = stack.pop()
            current = _node_hash(left, current)
            height += 1
        stack.append((height, current))
    if not stack:
        return 0, hashlib.sha256(b"").digest()
    root = stack[-1][1]
    for _, left in reversed(stack[:-1]):
        root = _node_hash(left, root)
    return len(leaf_hashes), root
