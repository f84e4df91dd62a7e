"""households: links between the cases of one family (one row per side, with the member case's
labels), a child's age estimate, and best-interests assessments sealed to the owning desk

Revision ID: 0011
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0012"
branch_labels = None
depends_on = None

APP_ROLE = "homeward_app"
NEW_TABLES = ("case_age_estimate", "household_link", "best_interests", "best_interests_wrap")


def _labels() -> list[sa.Column[object]]:
    return [
        sa.Column("owner_nation", sa.String(length=3), nullable=False),
        sa.Column("classification", sa.Integer(), nullable=False),
        sa.Column("release", sa.String(length=200), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "case_age_estimate",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("years", sa.Integer(), nullable=False),
        sa.Column("basis", sa.String(length=12), nullable=False),
        sa.Column("recorded_by", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_case_age_estimate_case_id_case_file")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["officer.id"], name=op.f("fk_case_age_estimate_recorded_by_officer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_age_estimate")),
    )
    op.create_index(
        op.f("ix_case_age_estimate_case_id"), "case_age_estimate", ["case_id"], unique=False
    )

    op.create_table(
        "household_link",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("link_id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("member_case_id", sa.String(length=32), nullable=False),
        sa.Column("relation", sa.String(length=12), nullable=False),
        sa.Column("basis", sa.String(length=12), nullable=False),
        sa.Column("recorded_by", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        *_labels(),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_household_link_case_id_case_file")
        ),
        sa.ForeignKeyConstraint(
            ["member_case_id"],
            ["case_file.id"],
            name=op.f("fk_household_link_member_case_id_case_file"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["officer.id"], name=op.f("fk_household_link_recorded_by_officer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_link")),
        sa.UniqueConstraint("case_id", "member_case_id", name=op.f("uq_household_link_case_id")),
    )
    for column in ("link_id", "case_id", "member_case_id", "owner_nation"):
        op.create_index(
            op.f(f"ix_household_link_{column}"), "household_link", [column], unique=False
        )

    op.create_table(
        "best_interests",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("author_id", sa.String(length=32), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        *_labels(),
        sa.ForeignKeyConstraint(
            ["author_id"], ["officer.id"], name=op.f("fk_best_interests_author_id_officer")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_best_interests_case_id_case_file")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_best_interests")),
    )
    for column in ("case_id", "owner_nation"):
        op.create_index(
            op.f(f"ix_best_interests_{column}"), "best_interests", [column], unique=False
        )

    op.create_table(
        "best_interests_wrap",
        sa.Column("assessment_id", sa.String(length=32), nullable=False),
        sa.Column("desk_key_id", sa.String(length=32), nullable=False),
        sa.Column("sealed_key", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["best_interests.id"],
            name=op.f("fk_best_interests_wrap_assessment_id_best_interests"),
        ),
        sa.ForeignKeyConstraint(
            ["desk_key_id"],
            ["desk_key.id"],
            name=op.f("fk_best_interests_wrap_desk_key_id_desk_key"),
        ),
        sa.PrimaryKeyConstraint(
            "assessment_id", "desk_key_id", name=op.f("pk_best_interests_wrap")
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
    op.drop_table("best_interests_wrap")
    for column in ("case_id", "owner_nation"):
        op.drop_index(op.f(f"ix_best_interests_{column}"), table_name="best_interests")
    op.drop_table("best_interests")
    for column in ("link_id", "case_id", "member_case_id", "owner_nation"):
        op.drop_index(op.f(f"ix_household_link_{column}"), table_name="household_link")
    op.drop_table("household_link")
    op.drop_index(op.f("ix_case_age_estimate_case_id"), table_name="case_age_estimate")
    op.drop_table("case_age_estimate")
