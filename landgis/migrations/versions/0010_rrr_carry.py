"""Rights and restrictions carried to the successors of a split, merged or adjusted parcel.

One row per (record carried from, record carried to): a split gives one row per child
and record, a merge of parents with the same holders one row per parent for each right.

Revision ID: 0010_rrr_carry
Revises: 0002_cadastre
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_rrr_carry"
down_revision = "0002_cadastre"
branch_labels = None
depends_on = "0008_parcels"


def upgrade() -> None:
    op.create_table(
        "rrr_carry",
        sa.Column("from_id", sa.BigInteger, sa.ForeignKey("rrr.id"), primary_key=True),
        sa.Column("to_id", sa.BigInteger, sa.ForeignKey("rrr.id"), primary_key=True),
        sa.Column("edit_id", sa.BigInteger, sa.ForeignKey("parcel_edit.id"), nullable=False),
    )
    op.create_index("ix_rrr_carry_to_id", "rrr_carry", ["to_id"])
    op.create_index("ix_rrr_carry_edit_id", "rrr_carry", ["edit_id"])


def downgrade() -> None:
    op.drop_table("rrr_carry")
