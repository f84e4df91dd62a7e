"""screening: each instrument version as first used (its text kept), assessments sealed to the
owning desk with their key wraps, and the reviewer's decision on each

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

APP_ROLE = "homeward_app"
NEW_TABLES = ("screening_instrument", "screening_assessment", "screening_assessment_wrap")


def upgrade() -> None:
    op.create_table(
        "screening_instrument",
        sa.Column("instrument", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("instrument", "version", name=op.f("pk_screening_instrument")),
    )
    op.create_table(
        "screening_assessment",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("instrument", sa.String(length=64), nullable=False),
        sa.Column("instrument_version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("author_id", sa.String(length=32), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision", sa.String(length=12), nullable=True),
        sa.Column("reviewer_id", sa.String(length=32), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reasons", sa.LargeBinary(), nullable=True),
        sa.Column("owner_nation", sa.String(length=3), nullable=False),
        sa.Column("classification", sa.Integer(), nullable=False),
        sa.Column("release", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["officer.id"], name=op.f("fk_screening_assessment_author_id_officer")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_screening_assessment_case_id_case_file")
        ),
        sa.ForeignKeyConstraint(
            ["instrument", "instrument_version"],
            ["screening_instrument.instrument", "screening_instrument.version"],
            name=op.f("fk_screening_assessment_instrument_screening_instrument"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["officer.id"],
            name=op.f("fk_screening_assessment_reviewer_id_officer"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_assessment")),
    )
    with op.batch_alter_table("screening_assessment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_screening_assessment_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_screening_assessment_owner_nation"), ["owner_nation"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_screening_assessment_state"), ["state"], unique=False)

    op.create_table(
        "screening_assessment_wrap",
        sa.Column("assessment_id", sa.String(length=32), nullable=False),
        sa.Column("desk_key_id", sa.String(length=32), nullable=False),
        sa.Column("sealed_key", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["screening_assessment.id"],
            name=op.f("fk_screening_assessment_wrap_assessment_id_screening_assessment"),
        ),
        sa.ForeignKeyConstraint(
            ["desk_key_id"],
            ["desk_key.id"],
            name=op.f("fk_screening_assessment_wrap_desk_key_id_desk_key"),
        ),
        sa.PrimaryKeyConstraint(
            "assessment_id", "desk_key_id", name=op.f("pk_screening_assessment_wrap")
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
    op.drop_table("screening_assessment_wrap")
    with op.batch_alter_table("screening_assessment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screening_assessment_state"))
        batch_op.drop_index(batch_op.f("ix_screening_assessment_owner_nation"))
        batch_op.drop_index(batch_op.f("ix_screening_assessment_case_id"))

    op.drop_table("screening_assessment")
    op.drop_table("screening_instrument")
