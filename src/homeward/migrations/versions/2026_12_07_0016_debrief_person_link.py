"""debrief: an officer's link from a person named in a report to a person report of the
identity index, labelled like the report

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

APP_ROLE = "homeward_app"
LINK = "debrief_person_link"


def upgrade() -> None:
    op.create_table(
        LINK,
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("entry", sa.Integer(), nullable=False),
        sa.Column("person_report_id", sa.String(length=32), nullable=False),
        sa.Column("reader_roles", sa.String(length=100), nullable=False),
        sa.Column("caveats", sa.String(length=200), nullable=False),
        sa.Column("decided_by", sa.String(length=32), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner_nation", sa.String(length=3), nullable=False),
        sa.Column("classification", sa.Integer(), nullable=False),
        sa.Column("release", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["debrief_report.id"], name=op.f(f"fk_{LINK}_report_id_debrief_report")
        ),
        sa.ForeignKeyConstraint(
            ["person_report_id"],
            ["person_report.id"],
            name=op.f(f"fk_{LINK}_person_report_id_person_report"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["officer.id"], name=op.f(f"fk_{LINK}_decided_by_officer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{LINK}")),
        sa.UniqueConstraint(
            "report_id", "entry", "person_report_id", name=op.f(f"uq_{LINK}_report_id")
        ),
    )
    for column in ("report_id", "person_report_id", "owner_nation"):
        op.create_index(op.f(f"ix_{LINK}_{column}"), LINK, [column], unique=False)
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    exists = bind.execute(
        sa.text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": APP_ROLE}
    ).scalar()
    if exists:
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {LINK} TO {APP_ROLE}")


def downgrade() -> None:
    for column in ("report_id", "person_report_id", "owner_nation"):
        op.drop_index(op.f(f"ix_{LINK}_{column}"), table_name=LINK)
    op.drop_table(LINK)
