"""Parcels by land use in unit-code order: ``ix_parcel_land_use`` becomes (land_use, unit_code).

A CQL2 filter on land use (the maps' and the bureau's commonest) pages through the
matches in unit-code order (``ORDER BY unit_code LIMIT n``). With an index on land use
alone PostgreSQL either walks unit codes filtering land use (codes follow the district's
geography, so a rare land use meant reading much of the table) or
sorts every match (50,000 for ``0701``). With the id order in the index the page is read
in order and the scan stops at the limit. Per page of 100 (200,000 parcels,
benchmarks/features_db.py, one run at load 5.7 on 2 cores): ``0701`` 3.8 -> 1.4 ms,
``0805`` 16.6 -> 1.2 ms (tipg's statements: 10-16 ms). Same index count, same name:
equality look-ups on land use alone still use it, bulk loads still rebuild one index.

Revision ID: 0036_parcel_land_use_order
Revises: 0030_parcel_overview
Create Date: 2026-12-02
"""

from alembic import op

revision = "0036_parcel_land_use_order"
down_revision = "0030_parcel_overview"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_parcel_land_use", table_name="parcel")
    op.create_index("ix_parcel_land_use", "parcel", ["land_use", "unit_code"])


def downgrade() -> None:
    op.drop_index("ix_parcel_land_use", table_name="parcel")
    op.create_index("ix_parcel_land_use", "parcel", ["land_use"])
