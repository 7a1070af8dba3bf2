"""Tiles: the change log that keeps cached vector tiles fresh, and its triggers.

Every INSERT, UPDATE, DELETE or TRUNCATE on a tracked table appends the bounding
boxes (EPSG:4490) of the rows it touched to ``tile_change`` with a sequence number.
A statement first takes one transaction-level advisory lock, so tracked edits commit
in sequence order: a reader that has seen sequence N has seen every change <= N.
Other domains track their tables with ``SELECT tile_change_track('table', 'geom')``
in their own migration (``depends_on = "0007_tiles"``); a table without geometry that a
collection's filter reads is tracked with ``tile_change_track('table', NULL)``. Tiles of
collections whose tables are not all tracked are served but never cached.

Revision ID: 0007_tiles
Revises: 0001_foundation
Create Date: 2026-11-26
"""

from alembic import op

revision = "0007_tiles"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

# plan_edition has no geometry: the plan layers show the edition in force, so any change
# to it is logged as a change of the whole table (geometry column NULL).
TRACKED: list[tuple[str, str | None]] = [
    ("parcel", "geom"),
    ("plan_zone", "geom"),
    ("road", "geom"),
    ("plan_edition", None),
]

# One advisory-lock key for all tracked edits: hashtext('landgis.tile_change').
LOCK = "hashtext('landgis.tile_change')"

FUNCTIONS = f"""
CREATE FUNCTION tile_change_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock({LOCK});
  RETURN NULL;
END $$;

CREATE FUNCTION tile_change_log() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  col text := nullif(TG_ARGV[0], '');
  src text;
  n bigint;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    INSERT INTO tile_change (table_name) VALUES (TG_TABLE_NAME);
    RETURN NULL;
  END IF;
  IF col IS NULL THEN
    -- a table without geometry (e.g. plan_edition): any change may alter every tile
    EXECUTE format('SELECT count(*) FROM %s',
                   CASE TG_OP WHEN 'DELETE' THEN 'old_rows' ELSE 'new_rows' END) INTO n;
    IF n > 0 THEN
      INSERT INTO tile_change (table_name) VALUES (TG_TABLE_NAME);
    END IF;
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    src := format('SELECT %I AS g FROM new_rows', col);
  ELSIF TG_OP = 'DELETE' THEN
    src := format('SELECT %I AS g FROM old_rows', col);
  ELSE
    src := format(
      'SELECT o.%1$I AS g FROM old_rows o UNION ALL SELECT n.%1$I FROM new_rows n', col);
  END IF;
  EXECUTE format('SELECT count(*) FROM (%s) s', src) INTO n;
  IF n = 0 THEN
    RETURN NULL;
  ELSIF n <= 1000 THEN
    EXECUTE format(
      'INSERT INTO tile_change (table_name, west, south, east, north) '
      'SELECT %L, ST_XMin(g), ST_YMin(g), ST_XMax(g), ST_YMax(g) '
      'FROM (%s) s WHERE g IS NOT NULL', TG_TABLE_NAME, src);
  ELSE
    EXECUTE format(
      'INSERT INTO tile_change (table_name, west, south, east, north) '
      'SELECT %L, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) '
      'FROM (SELECT ST_Extent(g) AS e FROM (%s) s) x', TG_TABLE_NAME, src);
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION tile_change_track(tbl regclass, geom_column text DEFAULT 'geom')
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  name text := (SELECT relname FROM pg_class WHERE oid = tbl);
BEGIN
  EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON %s '
                 'FOR EACH STATEMENT EXECUTE FUNCTION tile_change_lock()',
                 name || '_tile_lock', tbl);
  EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows '
                 'FOR EACH STATEMENT EXECUTE FUNCTION tile_change_log(%L)',
                 name || '_tile_ins', tbl, coalesce(geom_column, ''));
  EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %s '
                 'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                 'FOR EACH STATEMENT EXECUTE FUNCTION tile_change_log(%L)',
                 name || '_tile_upd', tbl, coalesce(geom_column, ''));
  EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows '
                 'FOR EACH STATEMENT EXECUTE FUNCTION tile_change_log(%L)',
                 name || '_tile_del', tbl, coalesce(geom_column, ''));
  EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %s '
                 'FOR EACH STATEMENT EXECUTE FUNCTION tile_change_log(%L)',
                 name || '_tile_trunc', tbl, coalesce(geom_column, ''));
END $$;

CREATE FUNCTION tile_change_untrack(tbl regclass) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  name text := (SELECT relname FROM pg_class WHERE oid = tbl);
  suffix text;
BEGIN
  FOREACH suffix IN ARRAY ARRAY['_tile_lock', '_tile_ins', '_tile_upd', '_tile_del',
                                '_tile_trunc'] LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', name || suffix, tbl);
  END LOOP;
END $$;
"""


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE tile_change (
            seq bigserial PRIMARY KEY,
            table_name text NOT NULL,
            west double precision,
            south double precision,
            east double precision,
            north double precision,
            changed_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute(
        "COMMENT ON TABLE tile_change IS 'Bounding boxes (EPSG:4490 lon/lat) of edits to "
        "tiled tables; NULL bounds mean the whole table (TRUNCATE). Read by the tile cache.'"
    )
    op.execute(FUNCTIONS)
    for table, column in TRACKED:
        col = f"'{column}'" if column else "NULL"
        op.execute(f"SELECT tile_change_track('{table}', {col})")


def downgrade() -> None:
    for table, _ in TRACKED:
        op.execute(f"SELECT tile_change_untrack('{table}')")
    op.execute("DROP FUNCTION tile_change_untrack(regclass)")
    op.execute("DROP FUNCTION tile_change_track(regclass, text)")
    op.execute("DROP FUNCTION tile_change_log()")
    op.execute("DROP FUNCTION tile_change_lock()")
    op.execute("DROP TABLE tile_change")
