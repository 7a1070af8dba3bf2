"""The quality state: each cadastral subzone's last quality findings, kept current from
the tile change log by :mod:`cadastre.parcels.quality_state`, so the bureau-wide quality
report is a read and only the subzones an edit touched are checked again.

The log position the state reflects is the ``parcel_quality`` row of ``overview_state``.

Revision ID: 0042_quality_state
Revises: 0030_parcel_overview
Create Date: 2026-12-02
"""

from alembic import op

revision = "0042_quality_state"
down_revision = "0030_parcel_overview"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE quality_subzone (
            subzone_code varchar(12) PRIMARY KEY,
            checked_at timestamptz NOT NULL DEFAULT now(),
            invalid_ids bigint[] NOT NULL DEFAULT '{}',
            findings jsonb NOT NULL DEFAULT '{}'
        );
        COMMENT ON TABLE quality_subzone IS 'Quality findings of one cadastral subzone '
            '(overlap, gap, sliver, invalid), as of the parcel_quality log position in '
            'overview_state; derived by cadastre.parcels.quality_state.';
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE quality_subzone")
    op.execute("DELETE FROM overview_state WHERE name = 'parcel_quality'")
