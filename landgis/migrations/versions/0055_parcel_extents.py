"""Where each subzone's parcels lie: ``parcel_subzone_extent``, so that a spatial read of
the partitioned register is planned on the few partitions it can touch.

A bbox or tile read of ``parcel`` names no partition key: PostgreSQL then plans every
partition (at 1M parcels, 324 zones: ~30 ms of planning and a parallel plan of ~170 ms for
a 1 km² box whose rows take 0.3 ms to read). The reader first looks up the subzones whose
box meets its envelope here and adds ``subzone_code = ANY(...)``, which prunes the plan to
their zones (``gis.extents``).

The box covers every version of every parcel of the subzone that was ever written, and
grows with them: a statement trigger over the inserted and updated rows widens the boxes
their geometries leave (one row per subzone; a row lock is taken only when a box grows, in
subzone order, so two imports never deadlock). It is written in the writer's transaction,
so a reader that sees a parcel sees its box. A box is the parcels' extent widened by 1e-7
degrees (~1 cm), so rounding never leaves a parcel's edge outside it.

Rows are deleted only when they never belonged to the register (an import's refused rows, a
test's cleanup): a DELETE recomputes the boxes of the subzones it touched from the rows
left, so one misplaced row does not widen its subzone's box (and the collection's extent,
read from the boxes) for good. Parcel writes are serialised per table (the tile change
log's lock, migration 0012), so no insert races the recomputation.

Revision ID: 0055_parcel_extents
Revises: 0050_parcel_partitions
Create Date: 2026-12-03
"""

from alembic import op

revision = "0055_parcel_extents"
down_revision = "0050_parcel_partitions"
branch_labels = None
depends_on = None

GROW = """
INSERT INTO parcel_subzone_extent AS e (subzone_code, box)
SELECT n.subzone_code, n.box
FROM (SELECT subzone_code, ST_Expand(ST_SetSRID(ST_Extent(geom)::geometry, 4490), 1e-7) AS box
      FROM new_rows WHERE geom IS NOT NULL GROUP BY subzone_code) n
LEFT JOIN parcel_subzone_extent o ON o.subzone_code = n.subzone_code
WHERE o.box IS NULL OR NOT o.box ~ n.box
ORDER BY n.subzone_code
ON CONFLICT (subzone_code) DO UPDATE SET box = ST_Envelope(ST_Collect(e.box, EXCLUDED.box))
"""


SHRINK = """
UPDATE parcel_subzone_extent e SET box = s.box
FROM (SELECT g.subzone_code,
             (SELECT ST_Expand(ST_SetSRID(ST_Extent(p.geom)::geometry, 4490), 1e-7)
              FROM parcel p WHERE p.subzone_code = g.subzone_code) AS box
      FROM (SELECT DISTINCT subzone_code FROM old_rows) g) s
WHERE e.subzone_code = s.subzone_code AND s.box IS NOT NULL;
DELETE FROM parcel_subzone_extent e
WHERE e.subzone_code IN (SELECT subzone_code FROM old_rows)
  AND NOT EXISTS (SELECT 1 FROM parcel p WHERE p.subzone_code = e.subzone_code)
"""


def upgrade() -> None:
    op.execute(
        f"""
        CREATE TABLE parcel_subzone_extent (
            subzone_code varchar(12) PRIMARY KEY,
            box geometry(Geometry, 4490) NOT NULL
        );
        CREATE INDEX parcel_subzone_extent_box ON parcel_subzone_extent USING gist (box);
        COMMENT ON TABLE parcel_subzone_extent IS 'Per subzone, a box covering every parcel '
            'version written there (grown by writes, recomputed on deletes): spatial reads '
            'name the subzones they can touch, so the partitioned register is pruned '
            '(gis.extents).';
        CREATE FUNCTION parcel_extent_grow() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {GROW};
            RETURN NULL;
        END $$;
        CREATE TRIGGER parcel_extent_ins AFTER INSERT ON parcel
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION parcel_extent_grow();
        CREATE TRIGGER parcel_extent_upd AFTER UPDATE ON parcel
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION parcel_extent_grow();
        CREATE FUNCTION parcel_extent_shrink() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {SHRINK};
            RETURN NULL;
        END $$;
        CREATE TRIGGER parcel_extent_del AFTER DELETE ON parcel
            REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION parcel_extent_shrink();
        INSERT INTO parcel_subzone_extent (subzone_code, box)
        SELECT subzone_code, ST_Expand(ST_SetSRID(ST_Extent(geom)::geometry, 4490), 1e-7)
        FROM parcel WHERE geom IS NOT NULL GROUP BY subzone_code;
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP TRIGGER parcel_extent_del ON parcel;
        DROP FUNCTION parcel_extent_shrink();
        DROP TRIGGER parcel_extent_upd ON parcel;
        DROP TRIGGER parcel_extent_ins ON parcel;
        DROP FUNCTION parcel_extent_grow();
        DROP TABLE parcel_subzone_extent;
        """
    )
