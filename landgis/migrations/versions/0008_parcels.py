"""Parcel edits: unit-code counters per subzone, edit log and parcel lineage.

Revision ID: 0008_parcels
Revises: 0001_foundation
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_parcels"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unit_code_counter",
        sa.Column(
            "subzone_code",
            sa.String(12),
            sa.ForeignKey("cadastral_subzone.code"),
            primary_key=True,
        ),
        sa.Column("last_seq", sa.Integer, nullable=False, server_default="0"),
        sa.CheckConstraint("last_seq BETWEEN 0 AND 99999", name="last_seq_range"),
    )
    op.create_table(
        "parcel_edit",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("operation", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "parcel_lineage",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("edit_id", sa.BigInteger, sa.ForeignKey("parcel_edit.id"), nullable=False),
        sa.Column("parent_id", sa.BigInteger, sa.ForeignKey("parcel.id")),
        sa.Column("child_id", sa.BigInteger, sa.ForeignKey("parcel.id")),
        sa.CheckConstraint("parent_id IS NOT NULL OR child_id IS NOT NULL", name="parent_or_child"),
    )
    op.create_index("ix_parcel_lineage_edit_id", "parcel_lineage", ["edit_id"])
    op.create_index("ix_parcel_lineage_parent_id", "parcel_lineage", ["parent_id"])
    op.create_index("ix_parcel_lineage_child_id", "parcel_lineage", ["child_id"])
    op.create_index("ix_parcel_unit_code", "parcel", ["unit_code"])


def downgrade() -> None:
    op.drop_index("ix_parcel_unit_code", table_name="parcel")
    op.drop_table("parcel_lineage")
    op.drop_table("parcel_edit")
    op.drop_table("unit_code_counter")
