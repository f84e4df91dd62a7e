"""child protection: a child's handover to a child-protection organisation, confirmed by the
owning desk and the coordination cell, with the key wraps of its sealed details

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

APP_ROLE = "homeward_app"
NEW_TABLES = (
    "child_protection_handover",
    "child_protection_wrap",
    "child_protection_confirmation",
    "child_protection_confirmation_wrap",
)
HANDOVER = "child_protection_handover"
CONFIRMATION = "child_protection_confirmation"


def _wrap(table: str, owner_column: str, owner_table: str) -> None:
    op.create_table(
        table,
        sa.Column(owner_column, sa.String(length=32), nullable=False),
        sa.Column("desk_key_id", sa.String(length=32), nullable=False),
        sa.Column("sealed_key", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            [owner_column],
            [f"{owner_table}.id"],
            name=op.f(f"fk_{table}_{owner_column}_{owner_table}"),
        ),
        sa.ForeignKeyConstraint(
            ["desk_key_id"], ["desk_key.id"], name=op.f(f"fk_{table}_desk_key_id_desk_key")
        ),
        sa.PrimaryKeyConstraint(owner_column, "desk_key_id", name=op.f(f"pk_{table}")),
    )


def upgrade() -> None:
    op.create_table(
        HANDOVER,
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("cell_nation", sa.String(length=3), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("recorded_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("arrival_by", sa.String(length=32), nullable=True),
        sa.Column("owner_nation", sa.String(length=3), nullable=False),
        sa.Column("classification", sa.Integer(), nullable=False),
        sa.Column("release", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f(f"fk_{HANDOVER}_case_id_case_file")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["officer.id"], name=op.f(f"fk_{HANDOVER}_recorded_by_officer")
        ),
        sa.ForeignKeyConstraint(
            ["arrival_by"], ["officer.id"], name=op.f(f"fk_{HANDOVER}_arrival_by_officer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{HANDOVER}")),
    )
    for column in ("case_id", "state", "owner_nation"):
        op.create_index(op.f(f"ix_{HANDOVER}_{column}"), HANDOVER, [column], unique=False)
    _wrap("child_protection_wrap", "handover_id", HANDOVER)
    op.create_table(
        CONFIRMATION,
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("handover_id", sa.String(length=32), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("officer_id", sa.String(length=32), nullable=False),
        sa.Column("happened", sa.Boolean(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["handover_id"],
            [f"{HANDOVER}.id"],
            name=op.f(f"fk_{CONFIRMATION}_handover_id_{HANDOVER}"),
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officer.id"], name=op.f(f"fk_{CONFIRMATION}_officer_id_officer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{CONFIRMATION}")),
    )
    op.create_index(
        op.f(f"ix_{CONFIRMATION}_handover_id"), CONFIRMATION, ["handover_id"], unique=False
    )
    _wrap("child_protection_confirmation_wrap", "confirmation_id", CONFIRMATION)
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    exists = bind.execute(
        sa.text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": APP_ROLE}
    ).scalar()
    if exists:
        for table in NEW_TABLES:
            op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}")


def downgrade() -> None:
    op.drop_table("child_protection_confirmation_wrap")
    op.drop_index(op.f(f"ix_{CONFIRMATION}_handover_id"), table_name=CONFIRMATION)
    op.drop_table(CONFIRMATION)
    op.drop_table("child_protection_wrap")
    for column in ("case_id", "state", "owner_nation"):
        op.drop_index(op.f(f"ix_{HANDOVER}_{column}"), table_name=HANDOVER)
    op.drop_table(HANDOVER)
