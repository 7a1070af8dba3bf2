"""The subzones whose parcel overview (the city-wide tiles z10-z12, ``cadastre/overview.py``)
is still to be built after a bulk load: ``overview_waiting``, so the whole rebuild runs in
chunks of subzones, each its own transaction.

At 5M parcels the rebuild was one transaction of 202 s (a province: half an hour or more);
a server stopped during it threw it all away, and the next start began again. Now a bulk
load empties the overview and lists every subzone here; each pass builds the next few and
takes them off the list, so what was built stays and the city-wide view fills in.

Revision ID: 0060_overview_waiting
Revises: 0059_road_pieces
Create Date: 2026-12-04
"""

from alembic import op

revision = "0060_overview_waiting"
down_revision = "0059_road_pieces"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE overview_waiting (subzone_code varchar(12) PRIMARY KEY);
        COMMENT ON TABLE overview_waiting IS 'Subzones whose parcel overview a whole '
            'rebuild has still to build (migration 0060).';
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE overview_waiting")
