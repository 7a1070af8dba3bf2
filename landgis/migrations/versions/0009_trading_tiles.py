"""Track land-supply listings in the tile change log, so listing tiles are cached and never stale.

Revision ID: 0009_trading_tiles
Revises: 0005_trading
Create Date: 2026-11-26
"""

from alembic import op

revision = "0009_trading_tiles"
down_revision = "0005_trading"
branch_labels = None
depends_on = "0007_tiles"


def upgrade() -> None:
    op.execute("SELECT tile_change_track('trading_listing', 'geom')")


def downgrade() -> None:
    op.execute("SELECT tile_change_untrack('trading_listing')")
