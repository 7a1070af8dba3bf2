"""The register's consistency in the quality state: which subzones a write to the
register (rights, restrictions, units) touched, so the quality report need not check the
whole register live (issue 16: the bureau-wide report is a read).

``quality_register_dirty`` gets the subzone (the first 12 characters of the unit code) of
every row a statement on ``rrr`` or ``baunit`` inserts, updates or deletes, by statement
triggers over the transition tables (one insert per statement, however many rows);
:func:`cadastre.parcels.quality_state.refresh` consumes it. Parcel edits are already in the
tile change log. A right or restriction that lapses by time alone (``expires_at``) is
found by the partial index on ``expires_at``.

Revision ID: 0054_quality_register
Revises: 0052_overview_outlines
Create Date: 2026-12-03
"""

from alembic import op

revision = "0054_quality_register"
down_revision = "0052_overview_outlines"
branch_labels = None
depends_on = "0016_one_owner"

TABLES = ("rrr", "baunit")


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE quality_register_dirty (subzone_code varchar(12) NOT NULL);
        COMMENT ON TABLE quality_register_dirty IS 'Subzones whose rights, restrictions or '
            'units changed since the quality state was refreshed (consumed by '
            'cadastre.parcels.quality_state).';
        CREATE FUNCTION quality_register_touched() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                INSERT INTO quality_register_dirty
                SELECT DISTINCT left(unit_code, 12) FROM new_rows;
            END IF;
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                INSERT INTO quality_register_dirty
                SELECT DISTINCT left(unit_code, 12) FROM old_rows;
            END IF;
            RETURN NULL;
        END $$;
        CREATE INDEX ix_rrr_expires_at ON rrr (expires_at) WHERE expires_at IS NOT NULL;
        """
    )
    for t in TABLES:
        op.execute(
            f"""
            CREATE TRIGGER {t}_quality_ins AFTER INSERT ON {t}
                REFERENCING NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION quality_register_touched();
            CREATE TRIGGER {t}_quality_upd AFTER UPDATE ON {t}
                REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION quality_register_touched();
            CREATE TRIGGER {t}_quality_del AFTER DELETE ON {t}
                REFERENCING OLD TABLE AS old_rows
                FOR EACH STATEMENT EXECUTE FUNCTION quality_register_touched();
            """
        )
    # the state kept so far has no register findings: check everything again
    op.execute("DELETE FROM overview_state WHERE name = 'parcel_quality'")


def downgrade() -> None:
    for t in TABLES:
        for op_ in ("ins", "upd", "del"):
            op.execute(f"DROP TRIGGER {t}_quality_{op_} ON {t}")
    op.execute("DROP FUNCTION quality_register_touched()")
    op.execute("DROP INDEX ix_rrr_expires_at")
    op.execute("DROP TABLE quality_register_dirty")
    op.execute("DELETE FROM overview_state WHERE name = 'parcel_quality'")
