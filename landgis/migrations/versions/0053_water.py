"""Water bodies of the base map: the river and other water areas (polygons, EPSG:4490).

The district's river is ground truth like its roads (the demo generates both), drawn on
the maps and used by the demo's elevation model; fish ponds stay parcels (1104).

Revision ID: 0053_water
Revises: 0001_foundation
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0053_water"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "water",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column(
            "geom",
            Geometry("MULTIPOLYGON", srid=4490, spatial_index=False),
            nullable=False,
        ),
    )
    op.execute("CREATE INDEX ix_water_geom ON water USING gist (geom)")


def downgrade() -> None:
    op.drop_table("water")
