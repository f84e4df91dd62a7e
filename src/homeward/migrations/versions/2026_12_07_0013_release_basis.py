"""release bases: the lawful basis of each disclosure of a case to another nation (consent,
legal obligation, vital interest), the person's consents with their withdrawal, and the key
wraps of their sealed details

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None

APP_ROLE = "homeward_app"
NEW_TABLES = (
    "case_consent",
    "case_consent_wrap",
    "case_release_basis",
    "case_release_basis_wrap",
)


def upgrade() -> None:
    op.create_table(
        "case_consent",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("how", sa.LargeBinary(), nullable=False),
        sa.Column("recorded_by", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.String(length=32), nullable=True),
        sa.Column("withdrawal_how", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_case_consent_case_id_case_file")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["officer.id"], name=op.f("fk_case_consent_recorded_by_officer")
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by"], ["officer.id"], name=op.f("fk_case_consent_withdrawn_by_officer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_consent")),
    )
    with op.batch_alter_table("case_consent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_consent_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_consent_wrap",
        sa.Column("consent_id", sa.String(length=32), nullable=False),
        sa.Column("desk_key_id", sa.String(length=32), nullable=False),
        sa.Column("sealed_key", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["case_consent.id"],
            name=op.f("fk_case_consent_wrap_consent_id_case_consent"),
        ),
        sa.ForeignKeyConstraint(
            ["desk_key_id"],
            ["desk_key.id"],
            name=op.f("fk_case_consent_wrap_desk_key_id_desk_key"),
        ),
        sa.PrimaryKeyConstraint("consent_id", "desk_key_id", name=op.f("pk_case_consent_wrap")),
    )
    op.create_table(
        "case_release_basis",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("nation", sa.String(length=3), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("consent_id", sa.String(length=32), nullable=True),
        sa.Column("transfer_id", sa.String(length=32), nullable=True),
        sa.Column("grounds", sa.LargeBinary(), nullable=True),
        sa.Column("decided_by", sa.String(length=32), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case_file.id"], name=op.f("fk_case_release_basis_case_id_case_file")
        ),
        sa.ForeignKeyConstraint(
            ["closed_by"], ["officer.id"], name=op.f("fk_case_release_basis_closed_by_officer")
        ),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["case_consent.id"],
            name=op.f("fk_case_release_basis_consent_id_case_consent"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["officer.id"], name=op.f("fk_case_release_basis_decided_by_officer")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["case_transfer.id"],
            name=op.f("fk_case_release_basis_transfer_id_case_transfer"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_release_basis")),
    )
    with op.batch_alter_table("case_release_basis", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_release_basis_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_case_release_basis_consent_id"), ["consent_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_case_release_basis_flagged_at"), ["flagged_at"], unique=False
        )
        batch_op.create_index("ix_case_release_basis_open", ["case_id", "closed_at"], unique=False)

    op.create_table(
        "case_release_basis_wrap",
        sa.Column("basis_id", sa.String(length=32), nullable=False),
        sa.Column("desk_key_id", sa.String(length=32), nullable=False),
        sa.Column("sealed_key", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["basis_id"],
            ["case_release_basis.id"],
            name=op.f("fk_case_release_basis_wrap_basis_id_case_release_basis"),
        ),
        sa.ForeignKeyConstraint(
            ["desk_key_id"],
            ["desk_key.id"],
            name=op.f("fk_case_release_basis_wrap_desk_key_id_desk_key"),
        ),
        sa.PrimaryKeyConstraint("basis_id", "desk_key_id", name=op.f("pk_case_release_basis_wrap")),
    )
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
    op.drop_table("case_release_basis_wrap")
    with op.batch_alter_table("case_release_basis", schema=None) as batch_op:
        batch_op.drop_index("ix_case_release_basis_open")
        batch_op.drop_index(batch_op.f("ix_case_release_basis_flagged_at"))
        batch_op.drop_index(batch_op.f("ix_case_release_basis_consent_id"))
        batch_op.drop_index(batch_op.f("ix_case_release_basis_case_id"))
    op.drop_table("case_release_basis")
    op.drop_table("case_consent_wrap")
    with op.batch_alter_table("case_consent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_consent_case_id"))
    op.drop_table("case_consent")
