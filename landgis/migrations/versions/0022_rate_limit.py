"""Rate-limit counters: one row per (rule and client address, fixed window).

UNLOGGED: the counters are worth nothing after a crash and must cost no WAL; every
server process counts in the same rows, so a limit holds across processes.

Revision ID: 0022_rate_limit
Revises: 0001_foundation
Create Date: 2026-12-02
"""

from alembic import op

revision = "0022_rate_limit"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE UNLOGGED TABLE rate_limit_hit (
            key text NOT NULL,
            window_start bigint NOT NULL,
            hits integer NOT NULL,
            CONSTRAINT pk_rate_limit_hit PRIMARY KEY (key, window_start)
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE rate_limit_hit")
