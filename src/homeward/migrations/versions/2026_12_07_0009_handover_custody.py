"""handover and custody: a handover per plan with each side's confirmation (sealed to the
owning desk and the cell, revisions kept), and the custody chain's entries sealed to the owning
desk, with their key wraps

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

APP_ROLE = "homeward_app"
NEW_TABLES = (
    "handover",
    "handover_confirmation",
    "handover_confirmation_wrap",
    "custody_entry",
    "custody_entry_wrap",
)


def upgrade() -> None:
    op.create_table(
        "handover",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("plan_id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("point_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner_nation", sa.String(length=3), nullable=False),
        sa.Column("classification", sa.Integer(), nullable=False),
        sa.Column("release", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_handover_case_id_case_file")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["passage_plan.id"], name=op.f("fk_handover_plan_id_passage_plan")
        ),
        sa.ForeignKeyConstraint(
            ["point_id"], ["handover_point.id"], name=op.f("fk_handover_point_id_handover_point")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover")),
        sa.UniqueConstraint("plan_id", name=op.f("uq_handover_plan_id")),
    )
    with op.batch_alter_table("handover", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handover_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_handover_owner_nation"), ["owner_nation"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_handover_point_id"), ["point_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_handover_state"), ["state"], unique=False)

    op.create_table(
        "custody_entry",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("handover_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("confirmed_by", sa.String(length=32), nullable=False),
        sa.Column("confirmed_nation", sa.String(length=3), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner_nation", sa.String(length=3), nullable=False),
        sa.Column("classification", sa.Integer(), nullable=False),
        sa.Column("release", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_custody_entry_case_id_case_file")
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by"], ["officer.id"], name=op.f("fk_custody_entry_confirmed_by_officer")
        ),
        sa.ForeignKeyConstraint(
            ["handover_id"], ["handover.id"], name=op.f("fk_custody_entry_handover_id_handover")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custody_entry")),
        sa.UniqueConstraint("case_id", "position", name=op.f("uq_custody_entry_case_id")),
    )
    with op.batch_alter_table("custody_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_custody_entry_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_custody_entry_owner_nation"), ["owner_nation"], unique=False
        )

    op.create_table(
        "handover_confirmation",
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
            ["handover.id"],
            name=op.f("fk_handover_confirmation_handover_id_handover"),
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officer.id"], name=op.f("fk_handover_confirmation_officer_id_officer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_confirmation")),
    )
    with op.batch_alter_table("handover_confirmation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_handover_confirmation_handover_id"), ["handover_id"], unique=False
        )

    op.create_table(
        "custody_entry_wrap",
        sa.Column("entry_id", sa.String(length=32), nullable=False),
        sa.Column("desk_key_id", sa.String(length=32), nullable=False),
        sa.Column("sealed_key", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["desk_key_id"],
            ["desk_key.id"],
            name=op.f("fk_custody_entry_wrap_desk_key_id_desk_key"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["custody_entry.id"],
            name=op.f("fk_custody_entry_wrap_entry_id_custody_entry"),
        ),
        sa.PrimaryKeyConstraint("entry_id", "desk_key_id", name=op.f("pk_custody_entry_wrap")),
    )
    op.create_table(
        "handover_confirmation_wrap",
        sa.Column("confirmation_id", sa.String(length=32), nullable=False),
        sa.Column("desk_key_id", sa.String(length=32), nullable=False),
        sa.Column("sealed_key", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["confirmation_id"],
            ["handover_confirmation.id"],
            name=op.f("fk_handover_confirmation_wrap_confirmation_id_handover_confirmation"),
        ),
        sa.ForeignKeyConstraint(
            ["desk_key_id"],
            ["desk_key.id"],
            name=op.f("fk_handover_confirmation_wrap_desk_key_id_desk_key"),
        ),
        sa.PrimaryKeyConstraint(
            "confirmation_id", "desk_key_id", name=op.f("pk_handover_confirmation_wrap")
        ),
    )

    _grant_app_role()


def _grant_app_role() -> None:
    """The new tables for the application's role (see 0002)."""
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
    op.drop_table("handover_confirmation_wrap")
    op.drop_table("custody_entry_wrap")
    with op.batch_alter_table("handover_confirmation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handover_confirmation_handover_id"))

    op.drop_table("handover_confirmation")
    with op.batch_alter_table("custody_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_custody_entry_owner_nation"))
        batch_op.drop_index(batch_op.f("ix_custody_entry_case_id"))

    op.drop_table("custody_entry")
    with op.batch_alter_table("handover", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handover_state"))
        batch_op.drop_index(batch_op.f("ix_handover_point_id"))
        batch_op.drop_index(batch_op.f("ix_handover_owner_nation"))
        batch_op.drop_index(batch_op.f("ix_handover_case_id"))

    op.drop_table("handover")
