"""Offline field packages (issue 18): packages checked out, syncs, the ledger of field
changes handled (a change seen twice is not applied twice), conflicts kept with both
versions, and field observations.

Revision ID: 0031_field_packages
Revises: 0030_parcel_overview
Create Date: 2026-12-02
"""

from alembic import op

revision = "0031_field_packages"
down_revision = "0030_parcel_overview"
branch_labels = None
depends_on = ("0006_raster", "0026_survey_precision")

UPGRADE = """
CREATE TABLE field_package (
    id varchar(32) PRIMARY KEY,
    owner varchar(64) NOT NULL,
    role varchar(16) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    rows jsonb NOT NULL DEFAULT '{}',
    area geometry(MultiPolygon, 4490) NOT NULL
);
CREATE TABLE field_sync (
    id bigserial PRIMARY KEY,
    package_id varchar(32) NOT NULL REFERENCES field_package (id),
    actor varchar(64) NOT NULL,
    sha256 varchar(64) NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    report jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX ix_field_sync_package_id ON field_sync (package_id);
CREATE TABLE field_change (
    id bigserial PRIMARY KEY,
    package_id varchar(32) NOT NULL REFERENCES field_package (id),
    layer varchar(32) NOT NULL,
    row_key varchar(64) NOT NULL,
    base_version varchar(64) NOT NULL,
    digest varchar(64) NOT NULL,
    outcome varchar(16) NOT NULL,
    detail jsonb NOT NULL DEFAULT '{}',
    sync_id bigint NOT NULL REFERENCES field_sync (id)
);
CREATE UNIQUE INDEX uq_field_change_seen
    ON field_change (package_id, layer, row_key, base_version, digest);
CREATE TABLE field_conflict (
    id bigserial PRIMARY KEY,
    package_id varchar(32) NOT NULL REFERENCES field_package (id),
    layer varchar(32) NOT NULL,
    row_key varchar(64) NOT NULL,
    base_version varchar(64) NOT NULL,
    mine jsonb NOT NULL,
    theirs jsonb NOT NULL,
    status varchar(16) NOT NULL DEFAULT 'open',
    resolved_by varchar(64),
    resolved_at timestamptz,
    result jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX ix_field_conflict_package_id ON field_conflict (package_id);
CREATE TABLE field_observation (
    id bigserial PRIMARY KEY,
    package_id varchar(32) NOT NULL REFERENCES field_package (id),
    row_key varchar(64) NOT NULL,
    observer varchar(64) NOT NULL,
    unit_code varchar(28),
    patch_id integer,
    note text NOT NULL DEFAULT '',
    photo varchar(300) NOT NULL DEFAULT '',
    taken_at timestamptz,
    geom geometry(Point, 4490) NOT NULL
);
CREATE INDEX ix_field_observation_package_id ON field_observation (package_id);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(
        "DROP TABLE field_observation, field_conflict, field_change, field_sync, field_package"
    )
