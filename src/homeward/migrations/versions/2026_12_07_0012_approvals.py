"""approvals: a request for a step on a case (closing it) and a supervisor's answer, with both
comments sealed to the owning desk (the key wraps)

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None

APP_ROLE = "homeward_app"
NEW_TABLES = ("approval", "approval_wrap")


def upgrade() -> None:
    op.create_table(
        "approval",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("requested_by", sa.String(length=32), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_comment", sa.LargeBinary(), nullable=False),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_comment", sa.LargeBinary(), nullable=True),
        sa.Column("owner_nation", sa.String(length=3), nullable=False),
        sa.Column("classification", sa.Integer(), nullable=False),
        sa.Column("release", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_approval_case_id_case_file")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["officer.id"], name=op.f("fk_approval_decided_by_officer")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["officer.id"], name=op.f("fk_approval_requested_by_officer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval")),
    )
    with op.batch_alter_table("approval", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_approval_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_approval_owner_nation"), ["owner_nation"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_approval_state"), ["state"], unique=False)

    op.create_table(
        "approval_wrap",
        sa.Column("approval_id", sa.String(length=32), nullable=False),
        sa.Column("desk_key_id", sa.String(length=32), nullable=False),
        sa.Column("sealed_key", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["approval_id"], ["approval.id"], name=op.f("fk_approval_wrap_approval_id_approval")
        ),
        sa.ForeignKeyConstraint(
            ["desk_key_id"], ["desk_key.id"], name=op.f("fk_approval_wrap_desk_key_id_desk_key")
        ),
        sa.PrimaryKeyConstraint("approval_id", "desk_key_id", name=op.f("pk_approval_wrap")),
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
    op.drop_table("approval_wrap")
    with op.batch_alter_table("approval", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_approval_state"))
        batch_op.drop_index(batch_op.f("ix_approval_owner_nation"))
        batch_op.drop_index(batch_op.f("ix_approval_case_id"))
    op.drop_table("approval")
