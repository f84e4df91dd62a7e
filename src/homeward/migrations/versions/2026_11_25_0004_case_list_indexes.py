"""case list indexes: counts per stage, stale cases and the policy filter from one index;
a page of one stage in order of last change from another

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.create_index(
            "ix_case_file_stage_age",
            ["stage", "stage_entered_at", "classification", "owner_nation", "release"],
            unique=False,
        )
        batch_op.create_index("ix_case_file_stage_updated", ["stage", "updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_index("ix_case_file_stage_updated")
        batch_op.drop_index("ix_case_file_stage_age")
