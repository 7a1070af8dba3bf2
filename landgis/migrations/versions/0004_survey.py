"""Surveys: survey records, surveyed points and tracks.

Revision ID: 0004_survey
Revises: 0001_foundation
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

revision = "0004_survey"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def geom(kind: str) -> Geometry:
    return Geometry(kind, srid=4490, spatial_index=False)


def upgrade() -> None:
    op.create_table(
        "survey",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("surveyor", sa.String(100), nullable=False),
        sa.Column("instrument", sa.String(100), nullable=False, server_default=""),
        sa.Column("survey_date", sa.Date),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column(
            "uploaded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("source_format", sa.String(16), nullable=False),
        sa.Column("source_srid", sa.Integer, nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("file_path", sa.String(500), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("unit_code", sa.String(28)),
        sa.Column("summary", JSONB, nullable=False, server_default="{}"),
        sa.Column("boundary", geom("POLYGON")),
    )
    op.create_index("ix_survey_boundary", "survey", ["boundary"], postgresql_using="gist")
    op.create_table(
        "survey_point",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "survey_id",
            sa.BigInteger,
            sa.ForeignKey("survey.id", ondelete="CASCADE", name="fk_survey_point_survey_id_survey"),
            nullable=False,
        ),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(64)),
        sa.Column("track_seq", sa.Integer),
        sa.Column("elevation_m", sa.Float),
        sa.Column("observed_at", sa.DateTime(timezone=True)),
        sa.Column("fix_quality", sa.Integer),
        sa.Column("satellites", sa.Integer),
        sa.Column("hdop", sa.Float),
        sa.Column("precision_m", sa.Numeric(8, 4)),
        sa.Column("declared_class", sa.Integer),
        sa.Column("accuracy_class", sa.Integer),
        sa.Column("flag", sa.String(200)),
        sa.Column("geom", geom("POINT"), nullable=False),
        sa.CheckConstraint(
            "kind IN ('boundary','waypoint','track','route')", name="ck_survey_point_kind"
        ),
        sa.CheckConstraint("accuracy_class IN (1,2,3)", name="ck_survey_point_class"),
    )
    op.create_index("ix_survey_point_survey_id", "survey_point", ["survey_id"])
    op.create_index("ix_survey_point_geom", "survey_point", ["geom"], postgresql_using="gist")
    op.create_table(
        "survey_track",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "survey_id",
            sa.BigInteger,
            sa.ForeignKey("survey.id", ondelete="CASCADE", name="fk_survey_track_survey_id_survey"),
            nullable=False,
        ),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(100)),
        sa.Column("geom", geom("LINESTRING"), nullable=False),
    )
    op.create_index("ix_survey_track_survey_id", "survey_track", ["survey_id"])
    op.create_index("ix_survey_track_geom", "survey_track", ["geom"], postgresql_using="gist")


def downgrade() -> None:
    op.drop_table("survey_track")
    op.drop_table("survey_point")
    op.drop_table("survey")
