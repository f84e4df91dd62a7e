"""case statistics: a case's sex and age band at opening in clear (coarse), for programme
figures that never open a sealed identity, and an index over case events by case, stage and
time (a case's first entry into a stage, and when it entered the stage it leaves)

Existing cases get '' (not known): the identities they copy are sealed under the server data
key, which migrations do not hold. `homeward figures backfill` fills them in, as system work
with the key, once the migration has run.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

TABLE = "case_file"
INDEX = "ix_case_file_statistics"
EVENT_INDEX = "ix_case_event_first"


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("sex", sa.String(length=1), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("age_band", sa.String(length=5), nullable=False, server_default="")
        )
    op.create_index(INDEX, TABLE, ["owner_nation", "sex", "age_band"], unique=False)
    op.create_index(EVENT_INDEX, "case_event", ["case_id", "to_stage", "at"], unique=False)


def downgrade() -> None:
    op.drop_index(EVENT_INDEX, table_name="case_event")
    op.drop_index(INDEX, table_name=TABLE)
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_column("age_band")
        batch.drop_column("sex")
