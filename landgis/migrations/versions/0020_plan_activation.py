"""Plan editions that cannot silently go empty: the approval of an edition and the journal
of its activations.

* ``plan_edition`` gets the approving authority and, optionally, the uploaded approval
  file (name and SHA-256; the file is kept under the data folder); ``document`` stays
  the approval number and ``approved_on`` its date.
* ``plan_activation`` journals every activation: which edition replaced which, who did
  it and why, the approval it rested on and the zone counts per layer at that moment.

Revision ID: 0020_plan_activation
Revises: 0001_foundation (the plan tables were created there)
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0020_plan_activation"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "plan_edition",
        sa.Column("approval_authority", sa.String(200), nullable=False, server_default=""),
    )
    op.add_column("plan_edition", sa.Column("approval_file_name", sa.String(200)))
    op.add_column("plan_edition", sa.Column("approval_file_sha256", sa.String(64)))
    op.create_table(
        "plan_activation",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column(
            "edition_id",
            sa.Integer,
            sa.ForeignKey("plan_edition.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("previous_edition_id", sa.Integer),
        sa.Column("actor_id", sa.Integer),
        sa.Column("actor_name", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("approval", JSONB, nullable=False),
        sa.Column("zones", JSONB, nullable=False),
        sa.Column(
            "activated_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
    )
    op.create_index("ix_plan_activation_edition_id", "plan_activation", ["edition_id"])


def downgrade() -> None:
    op.drop_index("ix_plan_activation_edition_id", table_name="plan_activation")
    op.drop_table("plan_activation")
    op.drop_column("plan_edition", "approval_file_sha256")
    op.drop_column("plan_edition", "approval_file_name")
    op.drop_column("plan_edition", "approval_authority")
