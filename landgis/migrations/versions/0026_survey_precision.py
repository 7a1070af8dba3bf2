"""Surveys: each point's PDOP and the source of the precision that classed it.

Revision ID: 0026_survey_precision
Revises: 0004_survey
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0026_survey_precision"
down_revision = "0004_survey"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("survey_point", sa.Column("pdop", sa.Float))
    # reported (σ in the file), hdop or pdop (σ = DOP × UERE), NULL when neither
    op.add_column("survey_point", sa.Column("precision_source", sa.String(16)))


def downgrade() -> None:
    op.drop_column("survey_point", "precision_source")
    op.drop_column("survey_point", "pdop")
