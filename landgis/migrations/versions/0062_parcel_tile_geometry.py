"""Each parcel version keeps its geometry in Web Mercator too: ``geom_3857``, a stored
generated column (``ST_Transform(geom, 3857)``), which the parcel tiles draw.

Measured (benchmarks/tiles_db.py, 200,000 parcels, every z14 tile, same connection): the
tile statement took 6.08 ms a tile with ``ST_Transform`` per row and 5.15 ms reading the
stored column (-15%); a cold tile is the public map's most frequent read. The cost: the
column is written with every row (the server's ``ST_Transform``, ~1.1 s per million rows of
a bulk load, paid by the import and by the database-alone floor alike), and the table is
larger (one more geometry per version). ``geom`` stays the register's geometry; the
database keeps the copy equal to it on every insert and update, so no writer changes.

A new zone's partition is made ``LIKE parcel ... INCLUDING GENERATED`` (an attached
partition must generate the column as its parent does), and the rows it takes over from
the DEFAULT partition are moved by column name without the generated column (which
PostgreSQL refuses to be written).

Revision ID: 0062_parcel_tile_geometry
Revises: 0061_tally_by_subzone
Create Date: 2026-12-04
"""

from alembic import op

revision = "0062_parcel_tile_geometry"
down_revision = "0061_tally_by_subzone"
branch_labels = None
depends_on = None

PARTITION = """
CREATE OR REPLACE FUNCTION parcel_zone_partition(zone text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  part text := 'parcel_' || zone;
  upper text := parcel_zone_bound(zone);
  moved bigint;
  cols text;
BEGIN
  IF zone !~ '^[0-9]{9}$' THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = format('地籍区代码应为9位数字 / a zone code has 9 digits: %s', zone);
  END IF;
  IF to_regclass(part) IS NOT NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('CREATE TABLE %I (LIKE parcel INCLUDING DEFAULTS INCLUDING CONSTRAINTS %s)',
                 part, {generated});
  SELECT count(*) INTO moved FROM parcel_default
  WHERE subzone_code >= zone AND subzone_code < upper;
  IF moved > 0 THEN
    -- the DEFAULT partition holds rows of this zone: move them in this transaction. The
    -- lineage keys are taken off meanwhile (PostgreSQL 15 checks a key deleted from one
    -- partition against that partition only) and put back, checked, once the rows are in.
    -- Columns by name: a generated column is not written (the database computes it).
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols
    FROM pg_attribute WHERE attrelid = 'parcel'::regclass AND attnum > 0
      AND NOT attisdropped AND attgenerated = '';
    ALTER TABLE parcel_lineage DROP CONSTRAINT fk_parcel_lineage_parent_id_parcel,
                               DROP CONSTRAINT fk_parcel_lineage_child_id_parcel;
    EXECUTE format('WITH gone AS (DELETE FROM parcel_default WHERE subzone_code >= %L '
                   'AND subzone_code < %L RETURNING *) INSERT INTO %I (%s) SELECT %s FROM gone',
                   zone, upper, part, cols, cols);
  END IF;
  EXECUTE format('ALTER TABLE parcel ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                 part, zone, upper);
  IF moved > 0 THEN
    EXECUTE lineage_keys();
    RAISE NOTICE 'moved % parcel versions of zone % out of parcel_default', moved, zone;
  END IF;
  RETURN true;
END $$;
"""


def upgrade() -> None:
    op.execute(
        "ALTER TABLE parcel ADD COLUMN geom_3857 geometry(MultiPolygon, 3857) "
        "GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED"
    )
    op.execute(
        "COMMENT ON COLUMN parcel.geom_3857 IS 'geom in EPSG:3857, kept by the database: "
        "what the parcel tiles draw (migration 0062)'"
    )
    op.execute(PARTITION.replace("{generated}", "'INCLUDING GENERATED'"))
    op.execute("ANALYZE parcel")


def downgrade() -> None:
    op.execute(PARTITION.replace("{generated}", "''"))
    op.execute("ALTER TABLE parcel DROP COLUMN geom_3857")
