"""Certificates that tell their current status: indexes for the status look-ups.

A certificate's status is read from the register, never stored (it cannot disagree
with it): the next right case entered on its unit (``reg_case (unit_code, entered_at)``)
and the restriction its case opened (``rrr (case_id)``). The nature and term of a right
(权利性质, 使用期限) are stated by a case's ``right_terms`` in its JSONB payload, so they
need no column; the demo district holds no cases, hence none of these facts until a
case states them.

Revision ID: 0018_certificates
Revises: 0015_registry_desk
Create Date: 2026-12-02
"""

from alembic import op

revision = "0018_certificates"
down_revision = "0015_registry_desk"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_reg_case_unit_code_entered_at", "reg_case", ["unit_code", "entered_at"])
    op.create_index("ix_rrr_case_id", "rrr", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_rrr_case_id", table_name="rrr")
    op.drop_index("ix_reg_case_unit_code_entered_at", table_name="reg_case")
