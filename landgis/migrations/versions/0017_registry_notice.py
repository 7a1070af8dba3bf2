"""First-registration public notices (首次登记公告) and the objections lodged during them.

``reg_notice``: one notice per case, published at review, in force from ``starts_at`` to
``ends_at`` (the end of the 15th working day, 不动产登记暂行条例实施细则 第17条); the case is
not entered before ``ends_at``. ``reg_notice_objection``: each objection lodged while the
notice is in force (by a registrar at the window or by anyone online).

Revision ID: 0017_registry_notice
Revises: 0015_registry_desk
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_registry_notice"
down_revision = "0015_registry_desk"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reg_notice",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "case_id", sa.BigInteger, sa.ForeignKey("reg_case.id"), nullable=False, unique=True
        ),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(64), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )
    op.create_index("ix_reg_notice_ends_at", "reg_notice", ["ends_at"])
    op.create_table(
        "reg_notice_objection",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("notice_id", sa.BigInteger, sa.ForeignKey("reg_notice.id"), nullable=False),
        sa.Column("lodged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lodged_by", sa.String(64), nullable=False),
        sa.Column("objector", sa.String(200), nullable=False),
        sa.Column("contact", sa.String(100), nullable=False, server_default=""),
        sa.Column("reason", sa.Text, nullable=False),
    )
    op.create_index("ix_reg_notice_objection_notice_id", "reg_notice_objection", ["notice_id"])


def downgrade() -> None:
    op.drop_table("reg_notice_objection")
    op.drop_table("reg_notice")
