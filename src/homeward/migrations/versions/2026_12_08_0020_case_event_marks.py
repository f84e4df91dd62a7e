"""case event marks: each stage event says whether it is the case's first entry into its stage
and, for one that moves the case on, when the case entered the stage it leaves; written with
the event from now on, so programme figures count a period's events alone (issue 16), and
filled in here for the events already written, from each case's own earlier events (two
set-based updates over the index ix_case_event_first); that index becomes
ix_case_event_stages, which holds what the counts read of an event, and the cases'
statistics index gains the id, so the counts join a case's events from indexes alone

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

TABLE = "case_event"
OLD_INDEX = "ix_case_event_first"
INDEX = "ix_case_event_stages"
INDEX_COLUMNS = ["case_id", "to_stage", "at", "first_entry", "from_stage", "from_stage_entered_at"]
CASES = "case_file"
STATISTICS = "ix_case_file_statistics"

FIRST_ENTRY = """
UPDATE case_event SET first_entry = (
    case_event.to_stage IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM case_event AS earlier
        WHERE earlier.case_id = case_event.case_id
          AND earlier.to_stage = case_event.to_stage
          AND (earlier.at < case_event.at
               OR (earlier.at = case_event.at AND earlier.id < case_event.id))
    )
)
"""
"""The case's first event into the stage, ties in time broken by id (as the counts were)."""

ENTERED = """
UPDATE case_event SET from_stage_entered_at = (
    SELECT max(entry.at) FROM case_event AS entry
    WHERE entry.case_id = case_event.case_id
      AND entry.to_stage = case_event.from_stage
      AND entry.at <= case_event.at
)
WHERE case_event.from_stage IS NOT NULL AND case_event.to_stage IS NOT NULL
"""
"""The case's latest entry into the stage the event leaves, not after the event."""


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(
            sa.Column("first_entry", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("from_stage_entered_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.execute(FIRST_ENTRY)
    op.execute(ENTERED)
    # What the counts read of an event and of its case, in the indexes they walk.
    op.create_index(INDEX, TABLE, INDEX_COLUMNS, unique=False)
    op.drop_index(OLD_INDEX, table_name=TABLE)
    op.drop_index(STATISTICS, table_name=CASES)
    op.create_index(STATISTICS, CASES, ["owner_nation", "sex", "age_band", "id"], unique=False)


def downgrade() -> None:
    op.drop_index(STATISTICS, table_name=CASES)
    op.create_index(STATISTICS, CASES, ["owner_nation", "sex", "age_band"], unique=False)
    op.create_index(OLD_INDEX, TABLE, ["case_id", "to_stage", "at"], unique=False)
    op.drop_index(INDEX, table_name=TABLE)
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_column("from_stage_entered_at")
        batch.drop_column("first_entry")
