"""Jobs: one durable row per long API job (bulk import/export, raster import, change detection).

Every server process writes and reads job status here, so a job started on one uvicorn
worker is seen from every other and survives a restart (as ``failed``, interrupted).
Rows are written in their own short transactions, never in the job's work transaction.

Revision ID: 0009_jobs
Revises: 0001_foundation
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0009_jobs"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

NOW = sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "job",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("owner", sa.Text),
        sa.Column("status", sa.Text, nullable=False, server_default="queued"),
        sa.Column("stage", sa.Text),
        sa.Column("done", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("total", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("result", JSONB),
        sa.Column("error", JSONB),
        sa.Column("file", sa.Text),
        sa.Column("workdir", sa.Text),
        sa.Column("worker", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')", name="status_known"
        ),
    )
    op.create_index("ix_job_created_at", "job", ["created_at"])
    op.create_index(
        "ix_job_unfinished",
        "job",
        ["worker"],
        postgresql_where=sa.text("status IN ('queued', 'running')"),
    )


def downgrade() -> None:
    op.drop_table("job")
