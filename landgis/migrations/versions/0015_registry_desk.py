"""Registry desk: the admin's working-day calendar and an index for the case desk.

``work_calendar_day`` holds days an admin sets as public holidays or adjusted working
days (调休); they override the packaged ``cadastre/registry/holidays_cn.json``.
``ix_reg_case_status_due_date`` serves the desk's case list (by status, sorted by due date).

Revision ID: 0015_registry_desk
Revises: 0010_rrr_carry
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_registry_desk"
down_revision = "0010_rrr_carry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work_calendar_day",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("name", sa.String(100), nullable=False, server_default=""),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column(
            "added_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.CheckConstraint("kind IN ('holiday','workday')", name="kind_known"),
    )
    op.create_index("ix_reg_case_status_due_date", "reg_case", ["status", "due_date"])


def downgrade() -> None:
    op.drop_index("ix_reg_case_status_due_date", table_name="reg_case")
    op.drop_table("work_calendar_day")
