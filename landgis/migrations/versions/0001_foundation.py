"""Foundation: users, cadastral zones, subzones, blocks, parcels, plan editions and zones, roads.

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0001_foundation"
down_revision = None
branch_labels = None
depends_on = None


def geom(kind: str) -> Geometry:
    return Geometry(kind, srid=4490, spatial_index=False)


def gist(
    table: str, column: str = "geom", where: str | None = None, name: str | None = None
) -> None:
    op.create_index(
        name or f"ix_{table}_{column}",
        table,
        [column],
        postgresql_using="gist",
        postgresql_where=sa.text(where) if where else None,
    )


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("full_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.CheckConstraint(
            "role IN ('surveyor','registrar','planner','inspector','bidder','admin')",
            name="role_known",
        ),
    )
    op.create_table(
        "cadastral_zone",
        sa.Column("code", sa.String(9), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("geom", geom("MULTIPOLYGON"), nullable=False),
    )
    gist("cadastral_zone")
    op.create_table(
        "cadastral_subzone",
        sa.Column("code", sa.String(12), primary_key=True),
        sa.Column(
            "zone_code",
            sa.String(9),
            sa.ForeignKey("cadastral_zone.code"),
            nullable=False,
            index=True,
        ),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("geom", geom("MULTIPOLYGON"), nullable=False),
    )
    gist("cadastral_subzone")
    op.create_table(
        "street_block",
        sa.Column("code", sa.String(20), primary_key=True),
        sa.Column(
            "subzone_code",
            sa.String(12),
            sa.ForeignKey("cadastral_subzone.code"),
            nullable=False,
            index=True,
        ),
        sa.Column("geom", geom("POLYGON"), nullable=False),
    )
    gist("street_block")
    op.execute("CREATE SEQUENCE parcel_uid_seq")
    op.create_table(
        "parcel",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column(
            "uid",
            sa.BigInteger,
            nullable=False,
            server_default=sa.text("nextval('parcel_uid_seq')"),
        ),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("unit_code", sa.String(28), nullable=False),
        sa.Column("parcel_code", sa.String(19), nullable=False),
        sa.Column(
            "subzone_code", sa.String(12), sa.ForeignKey("cadastral_subzone.code"), nullable=False
        ),
        sa.Column("block_code", sa.String(20)),
        sa.Column("land_use", sa.String(4), nullable=False),
        sa.Column("area_m2", sa.Numeric(14, 2), nullable=False),
        sa.Column("reg_status", sa.String(16), nullable=False, server_default="registered"),
        sa.Column("ref_point", geom("POINT"), nullable=False),
        sa.Column("geom", geom("MULTIPOLYGON"), nullable=False),
        sa.Column(
            "begin_lifespan",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
        sa.Column("end_lifespan", sa.DateTime(timezone=True)),
        sa.CheckConstraint("char_length(unit_code) = 28", name="unit_code_length"),
        sa.CheckConstraint(
            "end_lifespan IS NULL OR end_lifespan >= begin_lifespan", name="lifespan_order"
        ),
    )
    gist("parcel", where="end_lifespan IS NULL", name="ix_parcel_geom_current")
    gist("parcel", name="ix_parcel_geom_all")
    op.create_index(
        "uq_parcel_unit_code_current",
        "parcel",
        ["unit_code"],
        unique=True,
        postgresql_where=sa.text("end_lifespan IS NULL"),
    )
    op.create_index("ix_parcel_uid_version", "parcel", ["uid", "version"], unique=True)
    op.create_index("ix_parcel_subzone", "parcel", ["subzone_code"])
    op.create_index("ix_parcel_land_use", "parcel", ["land_use"])
    op.create_table(
        "plan_edition",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("approved_on", sa.Date, nullable=False),
        sa.Column("document", sa.String(300), nullable=False, server_default=""),
        sa.Column("in_force", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index(
        "uq_plan_edition_in_force",
        "plan_edition",
        ["in_force"],
        unique=True,
        postgresql_where=sa.text("in_force"),
    )
    op.create_table(
        "plan_zone",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "edition_id",
            sa.Integer,
            sa.ForeignKey("plan_edition.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("layer", sa.String(32), nullable=False),
        sa.Column("code", sa.String(16), nullable=False, server_default=""),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("geom", geom("MULTIPOLYGON"), nullable=False),
    )
    gist("plan_zone")
    op.create_index("ix_plan_zone_edition_layer", "plan_zone", ["edition_id", "layer"])
    op.create_table(
        "road",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("road_class", sa.String(16), nullable=False),
        sa.Column("width_m", sa.Numeric(6, 1), nullable=False),
        sa.Column("geom", geom("LINESTRING"), nullable=False),
    )
    gist("road")


def downgrade() -> None:
    for table in [
        "road",
        "plan_zone",
        "plan_edition",
        "parcel",
        "street_block",
        "cadastral_subzone",
        "cadastral_zone",
        "app_user",
    ]:
        op.drop_table(table)
    op.execute("DROP SEQUENCE IF EXISTS parcel_uid_seq")
