"""Where each subzone's *current* parcels lie: ``parcel_subzone_extent.current_box``, so the
register's extent (the OGC collection document, the map pages, the tile sets) is read
from a few thousand boxes, not from every parcel.

At 5M parcels the scan of every current parcel for that extent took longer than the
statement timeout, and ``/ogc/collections/parcels`` answered 503. The boxes of migration
0055 cannot stand in for it: they cover every version ever written, so a parcel moved
or retired would keep widening the extent.

``current_box`` is the exact ``ST_Extent`` of the subzone's parcels with no
``end_lifespan`` (NULL when it has none), so the register's extent read from it is the one
a scan gives, to the last digit:

- an INSERT widens it by the new current rows (as 0055 widens ``box``);
- an UPDATE or DELETE that takes a current row away recomputes it from the subzone's
  current rows, but only when that row reached the box's edge (within 1e-6 degrees):
  a parcel inside the box leaves it as it is. The recomputation reads one subzone (a few
  hundred rows, one partition: the statement names the subzone as a literal);
- parcel writes are serialised per table (the tile change log's lock, migration 0012), so
  no write races the recomputation.

Revision ID: 0056_parcel_current_extent
Revises: 0055_parcel_extents
Create Date: 2026-12-03
"""

from importlib import import_module
from types import ModuleType

from alembic import op

revision = "0056_parcel_current_extent"
down_revision = "0055_parcel_extents"
branch_labels = None
depends_on = None

# ``box`` as in 0055 (widened by ~1 cm; ``~`` compares float4 boxes, enough for a box
# that is only read with ``&&``); ``current_box`` exact, compared in doubles (ST_XMin...)
# and joined with ST_Envelope (doubles); a row is written only when one of them grows
GROW = """
INSERT INTO parcel_subzone_extent AS e (subzone_code, box, current_box)
SELECT n.subzone_code, n.box, n.current_box
FROM (SELECT subzone_code,
             ST_Expand(ST_SetSRID(ST_Extent(geom)::geometry, 4490), 1e-7) AS box,
             ST_SetSRID(ST_Extent(geom) FILTER (WHERE end_lifespan IS NULL)::geometry, 4490)
                 AS current_box
      FROM new_rows WHERE geom IS NOT NULL GROUP BY subzone_code) n
LEFT JOIN parcel_subzone_extent o ON o.subzone_code = n.subzone_code
WHERE o.box IS NULL OR NOT o.box ~ n.box
   OR (n.current_box IS NOT NULL AND (o.current_box IS NULL
       OR ST_XMin(n.current_box) < ST_XMin(o.current_box)
       OR ST_YMin(n.current_box) < ST_YMin(o.current_box)
       OR ST_XMax(n.current_box) > ST_XMax(o.current_box)
       OR ST_YMax(n.current_box) > ST_YMax(o.current_box)))
ORDER BY n.subzone_code
ON CONFLICT (subzone_code) DO UPDATE SET
    box = ST_Envelope(ST_Collect(e.box, EXCLUDED.box)),
    current_box = coalesce(ST_Envelope(ST_Collect(e.current_box, EXCLUDED.current_box)),
                           e.current_box, EXCLUDED.current_box)
"""

# the subzones whose current box may shrink: a current row left (retired, moved, deleted)
# and it reached the box's edge
AT_EDGE = """
SELECT DISTINCT o.subzone_code
FROM old_rows o
JOIN parcel_subzone_extent e ON e.subzone_code = o.subzone_code
WHERE o.end_lifespan IS NULL AND o.geom IS NOT NULL
  AND (e.current_box IS NULL
       OR ST_XMin(o.geom) <= ST_XMin(e.current_box) + 1e-6
       OR ST_YMin(o.geom) <= ST_YMin(e.current_box) + 1e-6
       OR ST_XMax(o.geom) >= ST_XMax(e.current_box) - 1e-6
       OR ST_YMax(o.geom) >= ST_YMax(e.current_box) - 1e-6)
ORDER BY 1
"""

RECOMPUTE_CURRENT = """
CREATE FUNCTION parcel_extent_recompute_current(code text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- a literal subzone: planned on its one partition (a parameter would plan them all)
    EXECUTE format(
        'UPDATE parcel_subzone_extent SET current_box = ('
        '  SELECT ST_SetSRID(ST_Extent(geom)::geometry, 4490) FROM parcel'
        '  WHERE subzone_code = %1$L AND end_lifespan IS NULL)'
        ' WHERE subzone_code = %1$L', code);
END $$;
"""


def _before() -> ModuleType:
    """Migration 0055 (its GROW and SHRINK statements)."""
    return import_module("landgis.migrations.versions.0055_parcel_extents")


def upgrade() -> None:
    op.execute(
        f"""
        ALTER TABLE parcel_subzone_extent ADD COLUMN current_box geometry(Geometry, 4490);
        COMMENT ON COLUMN parcel_subzone_extent.current_box IS 'The exact extent of the '
            'subzone''s current parcels (NULL when it has none): the register''s extent '
            'is read from these (migration 0056).';
        {RECOMPUTE_CURRENT}
        CREATE OR REPLACE FUNCTION parcel_extent_grow() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {GROW};
            RETURN NULL;
        END $$;
        CREATE FUNCTION parcel_extent_update() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE code text;
        BEGIN
            FOR code IN {AT_EDGE} LOOP
                PERFORM parcel_extent_recompute_current(code);
            END LOOP;
            {GROW};
            RETURN NULL;
        END $$;
        CREATE OR REPLACE FUNCTION parcel_extent_shrink() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE code text;
        BEGIN
            {_before().SHRINK};
            FOR code IN {AT_EDGE} LOOP
                PERFORM parcel_extent_recompute_current(code);
            END LOOP;
            RETURN NULL;
        END $$;
        DROP TRIGGER parcel_extent_upd ON parcel;
        CREATE TRIGGER parcel_extent_upd AFTER UPDATE ON parcel
            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION parcel_extent_update();
        UPDATE parcel_subzone_extent e SET current_box = c.box
        FROM (SELECT subzone_code, ST_SetSRID(ST_Extent(geom)::geometry, 4490) AS box
              FROM parcel WHERE end_lifespan IS NULL GROUP BY subzone_code) c
        WHERE e.subzone_code = c.subzone_code;
        """
    )


def downgrade() -> None:
    before = _before()
    op.execute(
        f"""
        DROP TRIGGER parcel_extent_upd ON parcel;
        CREATE TRIGGER parcel_extent_upd AFTER UPDATE ON parcel
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION parcel_extent_grow();
        DROP FUNCTION parcel_extent_update();
        CREATE OR REPLACE FUNCTION parcel_extent_grow() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {before.GROW};
            RETURN NULL;
        END $$;
        CREATE OR REPLACE FUNCTION parcel_extent_shrink() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {before.SHRINK};
            RETURN NULL;
        END $$;
        DROP FUNCTION parcel_extent_recompute_current(text);
        ALTER TABLE parcel_subzone_extent DROP COLUMN current_box;
        """
    )
