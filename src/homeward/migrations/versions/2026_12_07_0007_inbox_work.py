"""inbox work: a readable name, awaiting-reply time, language and file marker per conversation;
read state per officer; routing decisions with their reason and recall; a case's lost channel

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

APP_ROLE = "homeward_app"
NEW_TABLES = ("conversation_read", "conversation_route")


def upgrade() -> None:
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("awaiting_reply_since", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("language", sa.String(length=5), nullable=True))
        batch_op.add_column(
            sa.Column("has_files", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index(
            batch_op.f("ix_conversation_awaiting_reply_since"),
            ["awaiting_reply_since"],
            unique=False,
        )
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("contact_deleted_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "conversation_read",
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("officer_id", sa.String(length=32), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
            name=op.f("fk_conversation_read_conversation_id_conversation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"],
            ["officer.id"],
            name=op.f("fk_conversation_read_officer_id_officer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("conversation_id", "officer_id", name=op.f("pk_conversation_read")),
    )
    with op.batch_alter_table("conversation_read", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversation_read_officer_id"), ["officer_id"], unique=False
        )
    op.create_table(
        "conversation_route",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("from_nation", sa.String(length=3), nullable=False),
        sa.Column("to_nation", sa.String(length=3), nullable=False),
        sa.Column("routed_by", sa.String(length=32), nullable=False),
        sa.Column("routed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recalled_by", sa.String(length=32), nullable=True),
        sa.Column("recalled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recall_reason_sealed", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
            name=op.f("fk_conversation_route_conversation_id_conversation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["routed_by"], ["officer.id"], name=op.f("fk_conversation_route_routed_by_officer")
        ),
        sa.ForeignKeyConstraint(
            ["recalled_by"],
            ["officer.id"],
            name=op.f("fk_conversation_route_recalled_by_officer"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_route")),
    )
    with op.batch_alter_table("conversation_route", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversation_route_conversation_id"), ["conversation_id"], unique=False
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
    with op.batch_alter_table("conversation_route", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_route_conversation_id"))
    op.drop_table("conversation_route")
    with op.batch_alter_table("conversation_read", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_read_officer_id"))
    op.drop_table("conversation_read")
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_column("contact_deleted_at")
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_awaiting_reply_since"))
        batch_op.drop_column("has_files")
        batch_op.drop_column("language")
        batch_op.drop_column("awaiting_reply_since")
        batch_op.drop_column("name")
