"""Roads cut into short pieces for nearest-road lookups: ``road_piece``, so a listing's
坐落 (its nearest road, ``trading/market.py``) is found from a few tight boxes.

At 5M parcels the district's roads are centre lines of ~7,500 vertices crossing it, and
their boxes cover most of it: a KNN search (``ORDER BY road.geom <-> x``) could not
rule a road out by its box and measured the exact distance to some 250 of them (~30 MB of
vertices) per listing; the auction map's 28 listings took 5 s and it answered 503.

Each road is kept as ``ST_Subdivide(geom, 64)``: pieces of at most 64 vertices, whose
union is the road, so the nearest piece belongs to the nearest road. Statement triggers
keep the pieces in the writer's transaction (insert, update, delete, truncate).

Revision ID: 0059_road_pieces
Revises: 0058_parcel_subzone_tally
Create Date: 2026-12-04
"""

from alembic import op

revision = "0059_road_pieces"
down_revision = "0058_parcel_subzone_tally"
branch_labels = None
depends_on = None

MAX_VERTICES = 64
CUT = (
    "INSERT INTO road_piece (road_id, geom) "
    f"SELECT id, ST_Subdivide(geom, {MAX_VERTICES}) FROM {{rows}} WHERE geom IS NOT NULL"
)
DROP_OLD = "DELETE FROM road_piece WHERE road_id IN (SELECT id FROM old_rows)"


def _function(name: str, *statements: str) -> str:
    body = "".join(f"{s};\n" for s in statements)
    return f"""
        CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {body}
            RETURN NULL;
        END $$;
    """


def upgrade() -> None:
    op.execute(
        f"""
        CREATE TABLE road_piece (
            road_id integer NOT NULL,
            geom geometry(Geometry, 4490) NOT NULL
        );
        CREATE INDEX ix_road_piece_geom ON road_piece USING gist (geom);
        CREATE INDEX ix_road_piece_road_id ON road_piece (road_id);
        COMMENT ON TABLE road_piece IS 'Each road cut into pieces of at most {MAX_VERTICES} '
            'vertices (statement triggers, migration 0059): nearest-road lookups.';
        {_function("road_piece_ins", CUT.format(rows="new_rows"))}
        {_function("road_piece_upd", DROP_OLD, CUT.format(rows="new_rows"))}
        {_function("road_piece_del", DROP_OLD)}
        {_function("road_piece_truncate", "DELETE FROM road_piece")}
        CREATE TRIGGER road_piece_ins AFTER INSERT ON road
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION road_piece_ins();
        CREATE TRIGGER road_piece_upd AFTER UPDATE ON road
            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION road_piece_upd();
        CREATE TRIGGER road_piece_del AFTER DELETE ON road
            REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION road_piece_del();
        CREATE TRIGGER road_piece_truncate AFTER TRUNCATE ON road
            FOR EACH STATEMENT EXECUTE FUNCTION road_piece_truncate();
        {CUT.format(rows="road")};
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP TRIGGER road_piece_truncate ON road;
        DROP TRIGGER road_piece_del ON road;
        DROP TRIGGER road_piece_upd ON road;
        DROP TRIGGER road_piece_ins ON road;
        DROP FUNCTION road_piece_truncate();
        DROP FUNCTION road_piece_del();
        DROP FUNCTION road_piece_upd();
        DROP FUNCTION road_piece_ins();
        DROP TABLE road_piece;
        """
    )
