"""identity: person reports (tier 2), persons, the blocking index of keyed hashes, officers'
decisions on pairs and the merges they made

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("merged_into", sa.String(length=32), nullable=True),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["merged_into"], ["person.id"], name=op.f("fk_person_merged_into_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_merged_into"), ["merged_into"], unique=False)

    op.create_table(
        "identity_import",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("nation", sa.String(length=3), nullable=False),
        sa.Column("officer_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("report_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officer.id"], name=op.f("fk_identity_import_officer_id_officer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_import")),
    )
    op.create_table(
        "person_report",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("record_hash", sa.LargeBinary(length=16), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=True),
        sa.Column("import_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("owner_nation", sa.String(length=3), nullable=False),
        sa.Column("classification", sa.Integer(), nullable=False),
        sa.Column("release", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_person_report_case_id_case_file")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["officer.id"], name=op.f("fk_person_report_created_by_officer")
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["identity_import.id"],
            name=op.f("fk_person_report_import_id_identity_import"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_person_report_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_report")),
        sa.UniqueConstraint("case_id", name=op.f("uq_person_report_case_id")),
        sa.UniqueConstraint("record_hash", name=op.f("uq_person_report_record_hash")),
    )
    with op.batch_alter_table("person_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_report_import_id"), ["import_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_person_report_owner_nation"), ["owner_nation"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_person_report_person_id"), ["person_id"], unique=False)

    op.create_table(
        "identity_decision",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("left_report_id", sa.String(length=32), nullable=False),
        sa.Column("right_report_id", sa.String(length=32), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("reason_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("officer_id", sa.String(length=32), nullable=False),
        sa.Column("nation", sa.String(length=3), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("probability", sa.String(length=12), nullable=True),
        sa.ForeignKeyConstraint(
            ["left_report_id"],
            ["person_report.id"],
            name=op.f("fk_identity_decision_left_report_id_person_report"),
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officer.id"], name=op.f("fk_identity_decision_officer_id_officer")
        ),
        sa.ForeignKeyConstraint(
            ["right_report_id"],
            ["person_report.id"],
            name=op.f("fk_identity_decision_right_report_id_person_report"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_decision")),
        sa.UniqueConstraint(
            "left_report_id", "right_report_id", name=op.f("uq_identity_decision_left_report_id")
        ),
    )
    with op.batch_alter_table("identity_decision", schema=None) as batch_op:
        batch_op.create_index("ix_identity_decision_right", ["right_report_id"], unique=False)

    op.create_table(
        "person_report_key",
        sa.Column("key_hash", sa.LargeBinary(length=16), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["person_report.id"],
            name=op.f("fk_person_report_key_report_id_person_report"),
        ),
        sa.PrimaryKeyConstraint("key_hash", "report_id", name=op.f("pk_person_report_key")),
    )
    op.create_table(
        "person_merge",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("survivor_id", sa.String(length=32), nullable=False),
        sa.Column("merged_id", sa.String(length=32), nullable=False),
        sa.Column("decision_id", sa.String(length=32), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["identity_decision.id"],
            name=op.f("fk_person_merge_decision_id_identity_decision"),
        ),
        sa.ForeignKeyConstraint(
            ["merged_id"], ["person.id"], name=op.f("fk_person_merge_merged_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["survivor_id"], ["person.id"], name=op.f("fk_person_merge_survivor_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_merge")),
    )
    with op.batch_alter_table("person_merge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_merge_merged_id"), ["merged_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_person_merge_survivor_id"), ["survivor_id"], unique=False
        )
    _grant_app_role()


APP_ROLE = "homeward_app"
TABLES = (
    "person",
    "identity_import",
    "person_report",
    "identity_decision",
    "person_report_key",
    "person_merge",
)


def _grant_app_role() -> None:
    """Only the new tables for the application's role (see 0002): the log stays insert-only."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    exists = bind.execute(
        sa.text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": APP_ROLE}
    ).scalar()
    if exists:
        tables = ", ".join(TABLES)
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {tables} TO {APP_ROLE}")


def downgrade() -> None:
    with op.batch_alter_table("person_merge", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_merge_survivor_id"))
        batch_op.drop_index(batch_op.f("ix_person_merge_merged_id"))

    op.drop_table("person_merge")
    op.drop_table("person_report_key")
    with op.batch_alter_table("identity_decision", schema=None) as batch_op:
        batch_op.drop_index("ix_identity_decision_right")

    op.drop_table("identity_decision")
    with op.batch_alter_table("person_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_report_person_id"))
        batch_op.drop_index(batch_op.f("ix_person_report_owner_nation"))
        batch_op.drop_index(batch_op.f("ix_person_report_import_id"))

    op.drop_table("person_report")
    op.drop_table("identity_import")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_merged_into"))

    op.drop_table("person")
