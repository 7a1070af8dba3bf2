"""The subzone tally's triggers (migration 0058) add each statement's counts subzone by
subzone, by primary key, instead of one ``UPDATE ... FROM (the statement's sums)``.

Measured: a bulk import of 1M parcels into a register just emptied took 113-500 s instead
of 18 s, the server's COPY at a full core in the tally trigger. With the tally's table
statistics saying it was empty (a TRUNCATE empties it), the planner joined it to the
statement's sums with a nested loop that computed the sums again for each of its 5,041
rows, for every COPY of 50,000 rows. A loop over the sums, each one an update by primary
key, has one plan whatever the statistics say; a statement touching the whole register
(25k subzones at 5M) updates 25k rows by key.

Revision ID: 0061_tally_by_subzone
Revises: 0060_overview_waiting
Create Date: 2026-12-04
"""

from importlib import import_module
from types import ModuleType

from alembic import op

revision = "0061_tally_by_subzone"
down_revision = "0060_overview_waiting"
branch_labels = None
depends_on = None

APPLY = """
FOR d IN SELECT subzone_code, sum(n) AS n, sum(j) AS j FROM ({rows}) x GROUP BY subzone_code
         HAVING sum(n) <> 0 OR sum(j) <> 0 ORDER BY subzone_code LOOP
    UPDATE parcel_subzone_tally
    SET current_parcels = current_parcels + d.n, collective_parcels = collective_parcels + d.j
    WHERE subzone_code = d.subzone_code;
END LOOP;
"""


def _tally() -> ModuleType:
    """Migration 0058 (its row sets and the first row of a subzone)."""
    return import_module("landgis.migrations.versions.0058_parcel_subzone_tally")


def _function(name: str, rows: str, ensure: str = "") -> str:
    return f"""
        CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE d record;
        BEGIN
            {ensure}
            {APPLY.format(rows=rows)}
            RETURN NULL;
        END $$;
    """


def upgrade() -> None:
    t = _tally()
    op.execute(
        _function("parcel_tally_ins", t.ENTERING, t.ENSURE)
        + _function("parcel_tally_upd", f"{t.ENTERING} UNION ALL {t.LEAVING}", t.ENSURE)
        + _function("parcel_tally_del", t.LEAVING)
    )


def downgrade() -> None:
    t = _tally()
    op.execute(
        "".join(
            t._function(name, rows, ensure).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")
            for name, rows, ensure in (
                ("parcel_tally_ins", t.ENTERING, t.ENSURE),
                ("parcel_tally_upd", f"{t.ENTERING} UNION ALL {t.LEAVING}", t.ENSURE),
                ("parcel_tally_del", t.LEAVING, ""),
            )
        )
    )
