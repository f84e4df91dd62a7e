"""passage: handover points (units, opening hours, closures), the per-window booking
counter, passage plans sealed to the owning desk and the cell, their key wraps and approvals

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

APP_ROLE = "homeward_app"
NEW_TABLES = (
    "handover_point",
    "handover_unit",
    "handover_hours",
    "handover_closure",
    "handover_window",
    "passage_plan",
    "passage_plan_wrap",
    "passage_plan_approval",
)


def upgrade() -> None:
    op.create_table(
        "handover_point",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("area", sa.String(length=80), nullable=False),
        sa.Column("cell_nation", sa.String(length=3), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("window_minutes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_handover_point_capacity_positive")),
        sa.CheckConstraint("window_minutes > 0", name=op.f("ck_handover_point_window_positive")),
        sa.ForeignKeyConstraint(
            ["cell_nation"], ["desk.code"], name=op.f("fk_handover_point_cell_nation_desk")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_point")),
        sa.UniqueConstraint("name", name=op.f("uq_handover_point_name")),
    )
    with op.batch_alter_table("handover_point", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_handover_point_cell_nation"), ["cell_nation"], unique=False
        )

    op.create_table(
        "handover_closure",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("point_id", sa.String(length=32), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("first_day <= last_day", name=op.f("ck_handover_closure_range")),
        sa.ForeignKeyConstraint(
            ["created_by"], ["officer.id"], name=op.f("fk_handover_closure_created_by_officer")
        ),
        sa.ForeignKeyConstraint(
            ["point_id"],
            ["handover_point.id"],
            name=op.f("fk_handover_closure_point_id_handover_point"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_closure")),
    )
    with op.batch_alter_table("handover_closure", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_handover_closure_point_id"), ["point_id"], unique=False
        )

    op.create_table(
        "handover_hours",
        sa.Column("point_id", sa.String(length=32), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("opens_minute", sa.Integer(), nullable=False),
        sa.Column("closes_minute", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "opens_minute >= 0 AND closes_minute <= 1440 AND opens_minute < closes_minute",
            name=op.f("ck_handover_hours_interval"),
        ),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_handover_hours_weekday_range")),
        sa.ForeignKeyConstraint(
            ["point_id"],
            ["handover_point.id"],
            name=op.f("fk_handover_hours_point_id_handover_point"),
        ),
        sa.PrimaryKeyConstraint(
            "point_id", "weekday", "opens_minute", name=op.f("pk_handover_hours")
        ),
    )
    op.create_table(
        "handover_unit",
        sa.Column("point_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["point_id"],
            ["handover_point.id"],
            name=op.f("fk_handover_unit_point_id_handover_point"),
        ),
        sa.PrimaryKeyConstraint("point_id", "name", name=op.f("pk_handover_unit")),
    )
    op.create_table(
        "handover_window",
        sa.Column("point_id", sa.String(length=32), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.CheckConstraint("booked >= 0", name=op.f("ck_handover_window_booked_not_negative")),
        sa.ForeignKeyConstraint(
            ["point_id"],
            ["handover_point.id"],
            name=op.f("fk_handover_window_point_id_handover_point"),
        ),
        sa.PrimaryKeyConstraint("point_id", "starts_at", name=op.f("pk_handover_window")),
    )
    op.create_table(
        "passage_plan",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("point_id", sa.String(length=32), nullable=False),
        sa.Column("window_starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("authors", sa.String(length=400), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner_nation", sa.String(length=3), nullable=False),
        sa.Column("classification", sa.Integer(), nullable=False),
        sa.Column("release", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_passage_plan_case_id_case_file")
        ),
        sa.ForeignKeyConstraint(
            ["point_id"],
            ["handover_point.id"],
            name=op.f("fk_passage_plan_point_id_handover_point"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passage_plan")),
    )
    with op.batch_alter_table("passage_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_passage_plan_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_passage_plan_owner_nation"), ["owner_nation"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_passage_plan_status"), ["status"], unique=False)
        batch_op.create_index(
            "ix_passage_plan_window", ["point_id", "window_starts_at"], unique=False
        )

    op.create_table(
        "passage_plan_approval",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("plan_id", sa.String(length=32), nullable=False),
        sa.Column("approver_id", sa.String(length=32), nullable=False),
        sa.Column("content_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("voided_by", sa.String(length=32), nullable=True),
        sa.Column("void_reason", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["approver_id"],
            ["officer.id"],
            name=op.f("fk_passage_plan_approval_approver_id_officer"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["passage_plan.id"],
            name=op.f("fk_passage_plan_approval_plan_id_passage_plan"),
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["officer.id"], name=op.f("fk_passage_plan_approval_voided_by_officer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passage_plan_approval")),
    )
    with op.batch_alter_table("passage_plan_approval", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_passage_plan_approval_plan_id"), ["plan_id"], unique=False
        )

    op.create_table(
        "passage_plan_wrap",
        sa.Column("plan_id", sa.String(length=32), nullable=False),
        sa.Column("desk_key_id", sa.String(length=32), nullable=False),
        sa.Column("sealed_key", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["desk_key_id"], ["desk_key.id"], name=op.f("fk_passage_plan_wrap_desk_key_id_desk_key")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["passage_plan.id"], name=op.f("fk_passage_plan_wrap_plan_id_passage_plan")
        ),
        sa.PrimaryKeyConstraint("plan_id", "desk_key_id", name=op.f("pk_passage_plan_wrap")),
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
    op.drop_table("passage_plan_wrap")
    with op.batch_alter_table("passage_plan_approval", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_passage_plan_approval_plan_id"))

    op.drop_table("passage_plan_approval")
    with op.batch_alter_table("passage_plan", schema=None) as batch_op:
        batch_op.drop_index("ix_passage_plan_window")
        batch_op.drop_index(batch_op.f("ix_passage_plan_status"))
        batch_op.drop_index(batch_op.f("ix_passage_plan_owner_nation"))
        batch_op.drop_index(batch_op.f("ix_passage_plan_case_id"))

    op.drop_table("passage_plan")
    op.drop_table("handover_window")
    op.drop_table("handover_unit")
    op.drop_table("handover_hours")
    with op.batch_alter_table("handover_closure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handover_closure_point_id"))

    op.drop_table("handover_closure")
    with op.batch_alter_table("handover_point", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handover_point_cell_nation"))

    op.drop_table("handover_point")
