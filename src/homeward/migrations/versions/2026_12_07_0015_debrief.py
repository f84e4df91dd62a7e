"""debrief: reports with their own labels, roles and caveats, the key wraps of their sealed
bodies, release decisions; the caveats an officer holds

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

APP_ROLE = "homeward_app"
REPORT = "debrief_report"
WRAP = "debrief_report_wrap"
RELEASE = "debrief_release"
NEW_TABLES = (REPORT, WRAP, RELEASE)


def upgrade() -> None:
    with op.batch_alter_table("officer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("caveats", sa.String(length=200), nullable=False, server_default="")
        )
    op.create_table(
        REPORT,
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("origin", sa.String(length=12), nullable=False),
        sa.Column("source_id", sa.String(length=32), nullable=True),
        sa.Column("stix_id", sa.String(length=64), nullable=False),
        sa.Column("title_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("session_on", sa.Date(), nullable=False),
        sa.Column("debriefer", sa.String(length=120), nullable=False),
        sa.Column("author_id", sa.String(length=32), nullable=True),
        sa.Column("reader_roles", sa.String(length=100), nullable=False),
        sa.Column("caveats", sa.String(length=200), nullable=False),
        sa.Column("section_levels", sa.Text(), nullable=False),
        sa.Column("subject_released", sa.Boolean(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner_nation", sa.String(length=3), nullable=False),
        sa.Column("classification", sa.Integer(), nullable=False),
        sa.Column("release", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f(f"fk_{REPORT}_case_id_case_file")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], [f"{REPORT}.id"], name=op.f(f"fk_{REPORT}_source_id_{REPORT}")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["officer.id"], name=op.f(f"fk_{REPORT}_author_id_officer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{REPORT}")),
        sa.UniqueConstraint("stix_id", name=op.f(f"uq_{REPORT}_stix_id")),
    )
    for column in ("case_id", "source_id", "owner_nation"):
        op.create_index(op.f(f"ix_{REPORT}_{column}"), REPORT, [column], unique=False)
    op.create_table(
        WRAP,
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("desk_key_id", sa.String(length=32), nullable=False),
        sa.Column("nation", sa.String(length=3), nullable=False),
        sa.Column("sealed_key", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], [f"{REPORT}.id"], name=op.f(f"fk_{WRAP}_report_id_{REPORT}")
        ),
        sa.ForeignKeyConstraint(
            ["desk_key_id"], ["desk_key.id"], name=op.f(f"fk_{WRAP}_desk_key_id_desk_key")
        ),
        sa.PrimaryKeyConstraint("report_id", "desk_key_id", name=op.f(f"pk_{WRAP}")),
    )
    op.create_index(op.f(f"ix_{WRAP}_nation"), WRAP, ["nation"], unique=False)
    op.create_table(
        RELEASE,
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("nations", sa.String(length=200), nullable=False),
        sa.Column("basis_kind", sa.String(length=20), nullable=True),
        sa.Column("detail_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("decided_by", sa.String(length=32), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], [f"{REPORT}.id"], name=op.f(f"fk_{RELEASE}_report_id_{REPORT}")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["officer.id"], name=op.f(f"fk_{RELEASE}_decided_by_officer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{RELEASE}")),
    )
    op.create_index(op.f(f"ix_{RELEASE}_report_id"), RELEASE, ["report_id"], unique=False)
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
    op.drop_index(op.f(f"ix_{RELEASE}_report_id"), table_name=RELEASE)
    op.drop_table(RELEASE)
    op.drop_index(op.f(f"ix_{WRAP}_nation"), table_name=WRAP)
    op.drop_table(WRAP)
    for column in ("case_id", "source_id", "owner_nation"):
        op.drop_index(op.f(f"ix_{REPORT}_{column}"), table_name=REPORT)
    op.drop_table(REPORT)
    with op.batch_alter_table("officer", schema=None) as batch_op:
        batch_op.drop_column("caveats")
