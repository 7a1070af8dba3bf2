"""One GiST index on parcel geometries instead of two.

``ix_parcel_geom_current`` (partial, current versions) duplicated ``ix_parcel_geom_all``:
retired versions are a small share of the register, so queries for current parcels read
the full index and filter ``end_lifespan IS NULL`` at little cost, while every edit and
every bulk load paid for two GiST indexes.

Revision ID: 0011_parcel_index
Revises: 0008_parcels
Create Date: 2026-11-27
"""

from alembic import op

revision = "0011_parcel_index"
down_revision = "0008_parcels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_parcel_geom_current", table_name="parcel")


def downgrade() -> None:
    op.execute(
        "CREATE INDEX ix_parcel_geom_current ON parcel USING gist (geom) WHERE end_lifespan IS NULL"
    )
