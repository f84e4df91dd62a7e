"""debrief: each nation's debrief compartment key and the officers it is sealed to; report
wraps sealed to it instead of the desk key

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07

A report sealed to desk keys before this revision cannot be sealed again here: the server never
holds a private key. So the upgrade refuses, naming the count, when such wraps exist (a fresh
or demo database has none); nothing is dropped that could still open a report.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

APP_ROLE = "homeward_app"
KEY = "compartment_key"
HOLDER = "officer_compartment_key"
WRAP = "debrief_report_wrap"


def _refuse_if_wrapped(column: str) -> None:
    count = op.get_bind().execute(sa.text(f"SELECT count(*) FROM {WRAP}")).scalar() or 0  # noqa: S608 - constant table name
    if count:
        raise RuntimeError(
            f"{WRAP} holds {count} content keys sealed by {column}; they cannot be sealed again "
            "without a reader's private key. Export those reports and start from an empty "
            f"{WRAP} before this migration."
        )


def _wrap_table(key_column: str, key_table: str) -> None:
    op.create_table(
        WRAP,
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column(key_column, sa.String(length=32), nullable=False),
        sa.Column("nation", sa.String(length=3), nullable=False),
        sa.Column("sealed_key", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["debrief_report.id"], name=op.f(f"fk_{WRAP}_report_id_debrief_report")
        ),
        sa.ForeignKeyConstraint(
            [key_column], [f"{key_table}.id"], name=op.f(f"fk_{WRAP}_{key_column}_{key_table}")
        ),
        sa.PrimaryKeyConstraint("report_id", key_column, name=op.f(f"pk_{WRAP}")),
    )
    op.create_index(op.f(f"ix_{WRAP}_nation"), WRAP, ["nation"], unique=False)


def _drop_wrap_table() -> None:
    op.drop_index(op.f(f"ix_{WRAP}_nation"), table_name=WRAP)
    op.drop_table(WRAP)


def upgrade() -> None:
    _refuse_if_wrapped("desk key")
    op.create_table(
        KEY,
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("nation", sa.String(length=3), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["nation"], ["desk.code"], name=op.f(f"fk_{KEY}_nation_desk")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{KEY}")),
        sa.UniqueConstraint("nation", "version", name=op.f(f"uq_{KEY}_nation")),
    )
    op.create_index(op.f(f"ix_{KEY}_nation"), KEY, ["nation"], unique=False)
    op.create_table(
        HOLDER,
        sa.Column("officer_id", sa.String(length=32), nullable=False),
        sa.Column("compartment_key_id", sa.String(length=32), nullable=False),
        sa.Column("sealed_private_key", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officer.id"], name=op.f(f"fk_{HOLDER}_officer_id_officer")
        ),
        sa.ForeignKeyConstraint(
            ["compartment_key_id"],
            [f"{KEY}.id"],
            name=op.f(f"fk_{HOLDER}_compartment_key_id_{KEY}"),
        ),
        sa.PrimaryKeyConstraint("officer_id", "compartment_key_id", name=op.f(f"pk_{HOLDER}")),
    )
    _drop_wrap_table()
    _wrap_table("compartment_key_id", KEY)
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    exists = bind.execute(
        sa.text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": APP_ROLE}
    ).scalar()
    if exists:
        for table in (KEY, HOLDER, WRAP):
            op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}")


def downgrade() -> None:
    _refuse_if_wrapped("compartment key")
    _drop_wrap_table()
    _wrap_table("desk_key_id", "desk_key")
    op.drop_table(HOLDER)
    op.drop_index(op.f(f"ix_{KEY}_nation"), table_name=KEY)
    op.drop_table(KEY)
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    exists = bind.execute(
        sa.text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": APP_ROLE}
    ).scalar()
    if exists:
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {WRAP} TO {APP_ROLE}")
