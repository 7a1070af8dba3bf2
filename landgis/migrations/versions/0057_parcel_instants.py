"""The instants the register changed at: ``parcel_instant``, so the parcel map's time
slider (``cadastre/parcels/timeline.py``) reads its newest 200 from a small table, not
from every parcel version.

At 5M parcels the slider's query (every ``begin_lifespan`` and ``end_lifespan`` of the
register, sorted) took ~10 s: ``/maps/parcels`` answered 503 on the statement timeout.

An instant is kept while some parcel version begins or ends at it. Statement triggers
write it in the writer's transaction: an INSERT or UPDATE adds the instants of its new
rows (``ON CONFLICT DO NOTHING``: two writers of one instant never fail); an UPDATE or
DELETE drops the instants its old rows had, its new rows do not, and no row has any
more. That last check reads the register, so it runs only for such instants: a rare
DELETE (an import's refused rows, a test's cleanup); retiring or editing a parcel keeps
the old version's beginning, and adds an end.

Revision ID: 0057_parcel_instants
Revises: 0056_parcel_current_extent
Create Date: 2026-12-03
"""

from alembic import op

revision = "0057_parcel_instants"
down_revision = "0056_parcel_current_extent"
branch_labels = None
depends_on = None

ADD = """
INSERT INTO parcel_instant (t)
SELECT begin_lifespan FROM new_rows UNION SELECT end_lifespan FROM new_rows
WHERE end_lifespan IS NOT NULL
ORDER BY 1
ON CONFLICT DO NOTHING
"""

DROP_GONE = """
DELETE FROM parcel_instant i
WHERE i.t IN (SELECT begin_lifespan FROM old_rows UNION SELECT end_lifespan FROM old_rows
              {kept})
  AND NOT EXISTS (SELECT 1 FROM parcel p WHERE p.begin_lifespan = i.t)
  AND NOT EXISTS (SELECT 1 FROM parcel p WHERE p.end_lifespan = i.t)
"""
KEPT_BY_NEW = "EXCEPT (SELECT begin_lifespan FROM new_rows UNION SELECT end_lifespan FROM new_rows)"


def upgrade() -> None:
    op.execute(
        f"""
        CREATE TABLE parcel_instant (t timestamptz PRIMARY KEY);
        COMMENT ON TABLE parcel_instant IS 'The instants some parcel version begins or ends '
            'at (statement triggers, migration 0057): the parcel map''s time slider.';
        CREATE FUNCTION parcel_instant_ins() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {ADD};
            RETURN NULL;
        END $$;
        CREATE FUNCTION parcel_instant_upd() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {DROP_GONE.format(kept=KEPT_BY_NEW)};
            {ADD};
            RETURN NULL;
        END $$;
        CREATE FUNCTION parcel_instant_del() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {DROP_GONE.format(kept="")};
            RETURN NULL;
        END $$;
        CREATE TRIGGER parcel_instant_ins AFTER INSERT ON parcel
            REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION parcel_instant_ins();
        CREATE TRIGGER parcel_instant_upd AFTER UPDATE ON parcel
            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION parcel_instant_upd();
        CREATE TRIGGER parcel_instant_del AFTER DELETE ON parcel
            REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION parcel_instant_del();
        INSERT INTO parcel_instant (t)
        SELECT begin_lifespan FROM parcel UNION SELECT end_lifespan FROM parcel
        WHERE end_lifespan IS NOT NULL;
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP TRIGGER parcel_instant_del ON parcel;
        DROP TRIGGER parcel_instant_upd ON parcel;
        DROP TRIGGER parcel_instant_ins ON parcel;
        DROP FUNCTION parcel_instant_del();
        DROP FUNCTION parcel_instant_upd();
        DROP FUNCTION parcel_instant_ins();
        DROP TABLE parcel_instant;
        """
    )
