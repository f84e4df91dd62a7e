"""figures cache: a run's tables kept while the data they count is unchanged

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

APP_ROLE = "homeward_app"
TABLE = "figures_cache"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_figures_cache")),
    )
    op.create_index(op.f("ix_figures_cache_made_at"), TABLE, ["made_at"], unique=False)
    bind = op.get_bind()
    if (
        bind.dialect.name == "postgresql"
        and bind.execute(
            sa.text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": APP_ROLE}
        ).scalar()
    ):
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {TABLE} TO {APP_ROLE}")


def downgrade() -> None:
    op.drop_index(op.f("ix_figures_cache_made_at"), table_name=TABLE)
    op.drop_table(TABLE)
