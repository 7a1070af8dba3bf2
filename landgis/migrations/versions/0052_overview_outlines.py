"""The parcel overview's z10 level and an index per level.

``subzone_main``: each cadastral subzone as one outline in its main land use (built by
:mod:`cadastre.overview`; the state is reset so that the next pass rebuilds the whole
overview with it). One GiST index per level: the tile query of a level read every
other level's rows from the shared index and threw them away (23,058 of 28,787 rows at
the busiest z10 tile of the 200k bench district, 77 of its 445 ms).

Revision ID: 0052_overview_outlines
Revises: 0042_quality_state
Create Date: 2026-12-03
"""

from alembic import op

revision = "0052_overview_outlines"
down_revision = "0042_quality_state"
branch_labels = None
depends_on = None

LEVELS = ("block", "subzone", "subzone_main")


def upgrade() -> None:
    op.execute("ALTER TABLE parcel_overview DROP CONSTRAINT parcel_overview_level_check")
    op.execute(
        "ALTER TABLE parcel_overview ADD CONSTRAINT parcel_overview_level_check "
        "CHECK (level IN ('block', 'subzone', 'subzone_main'))"
    )
    for level in LEVELS:
        op.execute(
            f"CREATE INDEX ix_parcel_overview_geom_{level} ON parcel_overview "
            f"USING gist (geom) WHERE level = '{level}'"
        )
    op.execute("DROP INDEX ix_parcel_overview_geom")
    op.execute("DELETE FROM overview_state WHERE name = 'parcel_overview'")


def downgrade() -> None:
    op.execute("CREATE INDEX ix_parcel_overview_geom ON parcel_overview USING gist (geom)")
    for level in LEVELS:
        op.execute(f"DROP INDEX ix_parcel_overview_geom_{level}")
    op.execute("DELETE FROM parcel_overview WHERE level = 'subzone_main'")
    op.execute(
        "ALTER TABLE parcel_overview DROP CONSTRAINT parcel_overview_level_check, "
        "ADD CONSTRAINT parcel_overview_level_check CHECK (level IN ('block', 'subzone'))"
    )
