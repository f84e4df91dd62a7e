"""cases

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_file",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("stage_entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("identity_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("owner_nation", sa.String(length=3), nullable=False),
        sa.Column("classification", sa.Integer(), nullable=False),
        sa.Column("release", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_file")),
        sa.UniqueConstraint("reference", name=op.f("uq_case_file_reference")),
    )
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.create_index(
            "ix_case_file_list", ["owner_nation", "stage", "updated_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_case_file_owner_nation"), ["owner_nation"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_case_file_stage"), ["stage"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_case_file_stage_entered_at"), ["stage_entered_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_case_file_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "case_event",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=32), nullable=False),
        sa.Column("actor_name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("from_stage", sa.String(length=20), nullable=True),
        sa.Column("to_stage", sa.String(length=20), nullable=True),
        sa.Column("detail_sealed", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_case_event_case_id_case_file")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_event")),
    )
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_event_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_label",
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_case_label_case_id_case_file")
        ),
        sa.PrimaryKeyConstraint("case_id", "label", name=op.f("pk_case_label")),
    )
    with op.batch_alter_table("case_label", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_label_label"), ["label"], unique=False)

    op.create_table(
        "case_name_token",
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("token", sa.LargeBinary(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_case_name_token_case_id_case_file")
        ),
        sa.PrimaryKeyConstraint("case_id", "token", name=op.f("pk_case_name_token")),
    )
    with op.batch_alter_table("case_name_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_name_token_token"), ["token"], unique=False)

    op.create_table(
        "case_assignee",
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("officer_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_case_assignee_case_id_case_file")
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officer.id"], name=op.f("fk_case_assignee_officer_id_officer")
        ),
        sa.PrimaryKeyConstraint("case_id", "officer_id", name=op.f("pk_case_assignee")),
    )
    with op.batch_alter_table("case_assignee", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_assignee_officer_id"), ["officer_id"], unique=False
        )

    op.create_table(
        "case_conversation",
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_case_conversation_case_id_case_file")
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
            name=op.f("fk_case_conversation_conversation_id_conversation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", "conversation_id", name=op.f("pk_case_conversation")),
    )
    with op.batch_alter_table("case_conversation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_conversation_conversation_id"), ["conversation_id"], unique=False
        )

    op.create_table(
        "case_note",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("author_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["officer.id"], name=op.f("fk_case_note_author_id_officer")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_case_note_case_id_case_file")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_note")),
    )
    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_note_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_transfer",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("from_nation", sa.String(length=3), nullable=False),
        sa.Column("to_nation", sa.String(length=3), nullable=False),
        sa.Column("reason_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("requested_by", sa.String(length=32), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_sealed", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_case_transfer_case_id_case_file")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["officer.id"], name=op.f("fk_case_transfer_decided_by_officer")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["officer.id"], name=op.f("fk_case_transfer_requested_by_officer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_transfer")),
    )
    with op.batch_alter_table("case_transfer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_transfer_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_transfer_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_transfer_to_nation"), ["to_nation"], unique=False)

    op.create_table(
        "case_note_wrap",
        sa.Column("note_id", sa.String(length=32), nullable=False),
        sa.Column("desk_key_id", sa.String(length=32), nullable=False),
        sa.Column("sealed_key", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["desk_key_id"], ["desk_key.id"], name=op.f("fk_case_note_wrap_desk_key_id_desk_key")
        ),
        sa.ForeignKeyConstraint(
            ["note_id"], ["case_note.id"], name=op.f("fk_case_note_wrap_note_id_case_note")
        ),
        sa.PrimaryKeyConstraint("note_id", "desk_key_id", name=op.f("pk_case_note_wrap")),
    )
    _grant_app_role()


APP_ROLE = "homeward_app"
INSERT_ONLY = ("audit_event", "audit_node", "audit_checkpoint", "audit_cosignature")


def _grant_app_role() -> None:
    """The new tables for the application's role (see 0002); the log stays insert-only."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    exists = bind.execute(
        sa.text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": APP_ROLE}
    ).scalar()
    if not exists:
        return
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {', '.join(INSERT_ONLY)} FROM {APP_ROLE}")


def downgrade() -> None:
    op.drop_table("case_note_wrap")
    with op.batch_alter_table("case_transfer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_transfer_to_nation"))
        batch_op.drop_index(batch_op.f("ix_case_transfer_status"))
        batch_op.drop_index(batch_op.f("ix_case_transfer_case_id"))

    op.drop_table("case_transfer")
    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_note_case_id"))

    op.drop_table("case_note")
    with op.batch_alter_table("case_conversation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_conversation_conversation_id"))

    op.drop_table("case_conversation")
    with op.batch_alter_table("case_assignee", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_assignee_officer_id"))

    op.drop_table("case_assignee")
    with op.batch_alter_table("case_name_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_name_token_token"))

    op.drop_table("case_name_token")
    with op.batch_alter_table("case_label", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_label_label"))

    op.drop_table("case_label")
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_event_case_id"))

    op.drop_table("case_event")
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_file_updated_at"))
        batch_op.drop_index(batch_op.f("ix_case_file_stage_entered_at"))
        batch_op.drop_index(batch_op.f("ix_case_file_stage"))
        batch_op.drop_index(batch_op.f("ix_case_file_owner_nation"))
        batch_op.drop_index("ix_case_file_list")

    op.drop_table("case_file")
