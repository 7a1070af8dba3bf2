"""Tiles: one change-log lock per tracked table instead of one for the whole database,
and pruning of the change log.

Before, every edit of any tracked table took one database-wide transaction-level advisory
lock, so that tracked edits committed in sequence order and a reader could keep one
number (the newest sequence it had applied). A long transaction on one table (a bulk
parcel import, a plan edition import) then blocked every edit of every other tracked
table until it committed.

Now the statement trigger ``<table>_tile_lock`` takes a lock of *its own table*
(key ``hashtext('landgis.tile_change'), hashtext(table)``). Edits of one table still
commit in sequence order, so the log rows of one table that a snapshot sees are exactly
those up to that table's newest visible sequence number; readers keep one watermark
per table (``gis.tiles.repository.Marks``). Writers of different tables never wait for
each other. (Two transactions that edit the same two tracked tables in opposite order
can now deadlock, which PostgreSQL detects and aborts one of; the application's own
edits touch plan_edition before plan_zone and parcels on their own.)

The bulk import that disables ``parcel_tile_ins`` still takes the parcel lock through
``parcel_tile_lock`` and then inserts one whole-table row for ``parcel``: unchanged.

``tile_change_prune(keep)`` deletes log rows older than ``keep`` (the newest row of each
table stays, so the per-table watermarks stay readable) and records per table the
highest sequence number it deleted in ``tile_change_pruned``. A reader whose watermark
of a table is below that number may have missed deleted rows: it is told so by the
change query and drops every cached tile of that table.

Revision ID: 0012_tiles_locks
Revises: 0007_tiles
Create Date: 2026-11-27
"""

from alembic import op

revision = "0012_tiles_locks"
down_revision = "0007_tiles"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE INDEX tile_change_table_seq ON tile_change (table_name, seq);

CREATE TABLE tile_change_pruned (
    table_name text PRIMARY KEY,
    upto bigint NOT NULL
);
COMMENT ON TABLE tile_change_pruned IS 'Per tiled table, the highest tile_change.seq '
    'deleted by tile_change_prune(); a reader behind it drops the table''s cached tiles.';

CREATE OR REPLACE FUNCTION tile_change_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- one lock per tracked table: its edits commit in sequence order
  PERFORM pg_advisory_xact_lock(hashtext('landgis.tile_change'), hashtext(TG_TABLE_NAME));
  RETURN NULL;
END $$;

CREATE FUNCTION tile_change_prune(keep interval) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  -- one pruner at a time (others skip); readers and writers are never blocked
  IF NOT pg_try_advisory_xact_lock(hashtext('landgis.tile_change_prune')) THEN
    RETURN 0;
  END IF;
  WITH gone AS (
    DELETE FROM tile_change c
    WHERE c.changed_at < now() - keep
      AND c.seq < (SELECT max(m.seq) FROM tile_change m WHERE m.table_name = c.table_name)
    RETURNING c.table_name, c.seq
  ), per_table AS (
    INSERT INTO tile_change_pruned (table_name, upto)
    SELECT table_name, max(seq) FROM gone GROUP BY table_name
    ON CONFLICT (table_name)
    DO UPDATE SET upto = greatest(tile_change_pruned.upto, excluded.upto)
  )
  SELECT count(*) INTO n FROM gone;
  RETURN n;
END $$;
"""

DOWNGRADE = """
DROP FUNCTION tile_change_prune(interval);
CREATE OR REPLACE FUNCTION tile_change_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('landgis.tile_change'));
  RETURN NULL;
END $$;
DROP TABLE tile_change_pruned;
DROP INDEX tile_change_table_seq;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
