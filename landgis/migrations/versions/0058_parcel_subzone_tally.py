"""How many current parcels each subzone holds, and how many of them are on collective
land: ``parcel_subzone_tally``, so the maps' place labels (``cadastre/places.py``: a
社区 or a 村, and only where parcels are) read one row per subzone, not every parcel.

At 5M parcels the labels' query (every current parcel joined to its subzone) outlasted
the statement timeout, and the landing page and the parcel map answered 503.

Statement triggers keep the counts exact in the writer's transaction: an INSERT adds its
new current rows, a DELETE takes its old current rows away, an UPDATE does both (a parcel
retired leaves the count, its successor enters it). A unit code whose 13th character is
``J`` (GB/T 37346's collective land) counts as collective. Parcel writes are serialised
per table (the tile change log's lock, migration 0012), so two writers never lose a
count. A TRUNCATE empties it.

Revision ID: 0058_parcel_subzone_tally
Revises: 0057_parcel_instants
Create Date: 2026-12-03
"""

from alembic import op

revision = "0058_parcel_subzone_tally"
down_revision = "0057_parcel_instants"
branch_labels = None
depends_on = None

ENTERING = (
    "SELECT subzone_code, 1 AS n, (substr(unit_code, 13, 1) = 'J')::int AS j "
    "FROM new_rows WHERE end_lifespan IS NULL"
)
LEAVING = (
    "SELECT subzone_code, -1 AS n, -(substr(unit_code, 13, 1) = 'J')::int AS j "
    "FROM old_rows WHERE end_lifespan IS NULL"
)
# a subzone's first current parcel gives it a row (at zero), then every change is one
# UPDATE of its sums (an INSERT ... ON CONFLICT would check a negative delta as a row)
ENSURE = """
INSERT INTO parcel_subzone_tally (subzone_code)
SELECT DISTINCT subzone_code FROM new_rows WHERE end_lifespan IS NULL
ORDER BY 1 ON CONFLICT DO NOTHING;
"""
APPLY = """
UPDATE parcel_subzone_tally t
SET current_parcels = t.current_parcels + d.n, collective_parcels = t.collective_parcels + d.j
FROM (SELECT subzone_code, sum(n) AS n, sum(j) AS j FROM ({rows}) x GROUP BY subzone_code
      HAVING sum(n) <> 0 OR sum(j) <> 0) d
WHERE t.subzone_code = d.subzone_code
"""


def _function(name: str, rows: str, ensure: str = "") -> str:
    return f"""
        CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {ensure}
            {APPLY.format(rows=rows)};
            RETURN NULL;
        END $$;
    """


def upgrade() -> None:
    op.execute(
        f"""
        CREATE TABLE parcel_subzone_tally (
            subzone_code varchar(12) PRIMARY KEY
                REFERENCES cadastral_subzone (code) ON DELETE CASCADE,
            current_parcels integer NOT NULL DEFAULT 0 CHECK (current_parcels >= 0),
            collective_parcels integer NOT NULL DEFAULT 0
                CHECK (collective_parcels BETWEEN 0 AND current_parcels)
        );
        COMMENT ON TABLE parcel_subzone_tally IS 'Current parcels per subzone, and those on '
            'collective land (statement triggers, migration 0058): the maps'' place labels.';
        {_function("parcel_tally_ins", ENTERING, ENSURE)}
        {_function("parcel_tally_upd", f"{ENTERING} UNION ALL {LEAVING}", ENSURE)}
        {_function("parcel_tally_del", LEAVING)}
        CREATE TRIGGER parcel_tally_ins AFTER INSERT ON parcel
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION parcel_tally_ins();
        CREATE TRIGGER parcel_tally_upd AFTER UPDATE ON parcel
            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION parcel_tally_upd();
        CREATE TRIGGER parcel_tally_del AFTER DELETE ON parcel
            REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION parcel_tally_del();
        CREATE FUNCTION parcel_tally_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM parcel_subzone_tally;
            RETURN NULL;
        END $$;
        CREATE TRIGGER parcel_tally_truncate AFTER TRUNCATE ON parcel
            FOR EACH STATEMENT EXECUTE FUNCTION parcel_tally_truncate();
        INSERT INTO parcel_subzone_tally (subzone_code, current_parcels, collective_parcels)
        SELECT subzone_code, count(*), count(*) FILTER (WHERE substr(unit_code, 13, 1) = 'J')
        FROM parcel WHERE end_lifespan IS NULL GROUP BY subzone_code;
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP TRIGGER parcel_tally_truncate ON parcel;
        DROP TRIGGER parcel_tally_del ON parcel;
        DROP TRIGGER parcel_tally_upd ON parcel;
        DROP TRIGGER parcel_tally_ins ON parcel;
        DROP FUNCTION parcel_tally_truncate();
        DROP FUNCTION parcel_tally_del();
        DROP FUNCTION parcel_tally_upd();
        DROP FUNCTION parcel_tally_ins();
        DROP TABLE parcel_subzone_tally;
        """
    )
