"""contact channel

Revision ID: 0001
Revises: none
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("resource_type", sa.String(length=40), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("nation", sa.String(length=3), nullable=True),
        sa.Column("detail_digest", sa.LargeBinary(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_action"), ["action"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_event_resource_id"), ["resource_id"], unique=False
        )

    op.create_table(
        "contact",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("lookup", sa.LargeBinary(length=32), nullable=False),
        sa.Column("reply_public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact")),
        sa.UniqueConstraint("lookup", name=op.f("uq_contact_lookup")),
    )
    op.create_table(
        "desk",
        sa.Column("code", sa.String(length=3), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("is_coordination", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_desk")),
    )
    op.create_table(
        "web_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("sealed_secret", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "hard_expires_at",
            sa.DateTime(timezone=True),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_session")),
    )
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_session_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_web_session_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "conversation",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("contact_id", sa.String(length=32), nullable=False),
        sa.Column("starred", sa.Boolean(), nullable=False),
        sa.Column("unread", sa.Boolean(), nullable=False),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column(
            "last_message_at",
            sa.DateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("routed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("owner_nation", sa.String(length=3), nullable=False),
        sa.Column("classification", sa.Integer(), nullable=False),
        sa.Column("release", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_conversation_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation")),
        sa.UniqueConstraint("contact_id", name=op.f("uq_conversation_contact_id")),
    )
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.create_index(
            "ix_conversation_inbox",
            ["owner_nation", "unread", "last_message_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_conversation_last_message_at"),
            ["last_message_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_conversation_owner_nation"), ["owner_nation"], unique=False
        )

    op.create_table(
        "desk_key",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("desk_code", sa.String(length=3), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["desk_code"], ["desk.code"], name=op.f("fk_desk_key_desk_code_desk")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_key")),
        sa.UniqueConstraint("desk_code", "version", name=op.f("uq_desk_key_desk_code")),
    )
    with op.batch_alter_table("desk_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_desk_key_desk_code"), ["desk_code"], unique=False)

    op.create_table(
        "officer",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("nation", sa.String(length=3), nullable=False),
        sa.Column("clearance", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("totp_secret_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("last_totp_step", sa.Integer(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("private_key_wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("kdf_salt", sa.LargeBinary(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["nation"], ["desk.code"], name=op.f("fk_officer_nation_desk")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_officer")),
        sa.UniqueConstraint("username", name=op.f("uq_officer_username")),
    )
    with op.batch_alter_table("officer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_officer_nation"), ["nation"], unique=False)

    op.create_table(
        "message",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("officer_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("contact_sealed_key", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
            name=op.f("fk_message_conversation_id_conversation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officer.id"], name=op.f("fk_message_officer_id_officer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message")),
    )
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_message_conversation_id"), ["conversation_id"], unique=False
        )

    op.create_table(
        "officer_desk_key",
        sa.Column("officer_id", sa.String(length=32), nullable=False),
        sa.Column("desk_key_id", sa.String(length=32), nullable=False),
        sa.Column("sealed_private_key", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["desk_key_id"],
            ["desk_key.id"],
            name=op.f("fk_officer_desk_key_desk_key_id_desk_key"),
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"],
            ["officer.id"],
            name=op.f("fk_officer_desk_key_officer_id_officer"),
        ),
        sa.PrimaryKeyConstraint("officer_id", "desk_key_id", name=op.f("pk_officer_desk_key")),
    )
    op.create_table(
        "attachment",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.String(length=32), nullable=False),
        sa.Column("blob_name", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("meta", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["message.id"],
            name=op.f("fk_attachment_message_id_message"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
        sa.UniqueConstraint("blob_name", name=op.f("uq_attachment_blob_name")),
    )
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachment_message_id"), ["message_id"], unique=False)

    op.create_table(
        "key_wrap",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.String(length=32), nullable=True),
        sa.Column("attachment_id", sa.String(length=32), nullable=True),
        sa.Column("desk_key_id", sa.String(length=32), nullable=False),
        sa.Column("sealed_key", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["attachment.id"],
            name=op.f("fk_key_wrap_attachment_id_attachment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["desk_key_id"],
            ["desk_key.id"],
            name=op.f("fk_key_wrap_desk_key_id_desk_key"),
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["message.id"],
            name=op.f("fk_key_wrap_message_id_message"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_wrap")),
    )
    with op.batch_alter_table("key_wrap", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_key_wrap_attachment_id"), ["attachment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_key_wrap_desk_key_id"), ["desk_key_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_key_wrap_message_id"), ["message_id"], unique=False)
    _audit_insert_only()


AUDIT_GUARDS = {
    "sqlite": [
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION audit_event_refuse() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'audit_event is append-only'; END $$",
        "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_refuse()",
        "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse()",
    ],
}
AUDIT_GUARDS_DROP = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_event_no_update",
        "DROP TRIGGER IF EXISTS audit_event_no_delete",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event",
        "DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event",
        "DROP FUNCTION IF EXISTS audit_event_refuse()",
    ],
}


def _audit_insert_only() -> None:
    """The audit table refuses UPDATE, DELETE (and on PostgreSQL TRUNCATE) by trigger."""
    for statement in AUDIT_GUARDS.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade() -> None:
    for statement in AUDIT_GUARDS_DROP.get(op.get_bind().dialect.name, []):
        op.execute(statement)
    with op.batch_alter_table("key_wrap", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_key_wrap_message_id"))
        batch_op.drop_index(batch_op.f("ix_key_wrap_desk_key_id"))
        batch_op.drop_index(batch_op.f("ix_key_wrap_attachment_id"))

    op.drop_table("key_wrap")
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachment_message_id"))

    op.drop_table("attachment")
    op.drop_table("officer_desk_key")
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_conversation_id"))

    op.drop_table("message")
    with op.batch_alter_table("officer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_officer_nation"))

    op.drop_table("officer")
    with op.batch_alter_table("desk_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_desk_key_desk_code"))

    op.drop_table("desk_key")
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_owner_nation"))
        batch_op.drop_index(batch_op.f("ix_conversation_last_message_at"))
        batch_op.drop_index("ix_conversation_inbox")

    op.drop_table("conversation")
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_session_subject_id"))
        batch_op.drop_index(batch_op.f("ix_web_session_expires_at"))

    op.drop_table("web_session")
    op.drop_table("desk")
    op.drop_table("contact")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_resource_id"))
        batch_op.drop_index(batch_op.f("ix_audit_event_action"))

    op.drop_table("audit_event")
