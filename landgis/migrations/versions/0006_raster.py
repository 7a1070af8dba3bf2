"""Remote sensing: the raster catalogue, change-detection runs and change patches.

Revision ID: 0006_raster
Revises: 0001_foundation
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

revision = "0006_raster"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "raster",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("path", sa.String(300), nullable=False, unique=True),
        sa.Column("source_name", sa.String(300), nullable=False, server_default=""),
        sa.Column("driver", sa.String(32), nullable=False),
        sa.Column("sensor", sa.String(64), nullable=False, server_default=""),
        sa.Column("acquired_on", sa.Date),
        sa.Column("crs", sa.Text, nullable=False),
        sa.Column("epsg", sa.Integer),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("band_count", sa.Integer, nullable=False),
        sa.Column("dtype", sa.String(16), nullable=False),
        sa.Column("res_x", sa.Float, nullable=False),
        sa.Column("res_y", sa.Float, nullable=False),
        sa.Column("nodata", sa.Float),
        sa.Column("bands", JSONB, nullable=False),
        sa.Column("native_bbox", JSONB, nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("footprint", Geometry("POLYGON", srid=4490, spatial_index=False), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False, server_default=""),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_index("ix_raster_footprint", "raster", ["footprint"], postgresql_using="gist")
    op.create_index("ix_raster_acquired_on", "raster", ["acquired_on"])
    op.create_index("ix_raster_sensor", "raster", ["sensor"])
    op.create_table(
        "change_run",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "before_id", sa.Integer, sa.ForeignKey("raster.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "after_id", sa.Integer, sa.ForeignKey("raster.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("threshold", sa.Float, nullable=False),
        sa.Column("min_area_m2", sa.Float, nullable=False),
        sa.Column("grid", JSONB, nullable=False),
        sa.Column("patch_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_by", sa.String(64), nullable=False, server_default=""),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_table(
        "change_patch",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "run_id",
            sa.Integer,
            sa.ForeignKey("change_run.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("area_m2", sa.Numeric(14, 2), nullable=False),
        sa.Column("mean_change", sa.Float, nullable=False),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("zones", JSONB, nullable=False),
        sa.Column("parcels", JSONB, nullable=False),
        sa.Column("in_farmland", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("approved_ratio", sa.Float, nullable=False, server_default="0"),
        sa.Column("verdict", sa.String(24), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("photo", sa.String(300), nullable=False, server_default=""),
        sa.Column("checked_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("checked_at", sa.DateTime(timezone=True)),
        sa.Column("geom", Geometry("MULTIPOLYGON", srid=4490, spatial_index=False), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending','confirmed','dismissed')", name="ck_change_patch_status"
        ),
        sa.CheckConstraint(
            "verdict IN ('approved','suspected_illegal')", name="ck_change_patch_verdict"
        ),
    )
    op.create_index("ix_change_patch_geom", "change_patch", ["geom"], postgresql_using="gist")
    op.create_index("ix_change_patch_run", "change_patch", ["run_id"])


def downgrade() -> None:
    op.drop_table("change_patch")
    op.drop_table("change_run")
    op.drop_table("raster")
