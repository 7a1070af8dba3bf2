"""Identity: a token version per user, revoked tokens (logout) and the auth event journal.

Revision ID: 0021_identity
Revises: 0001_foundation
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_identity"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "app_user",
        sa.Column("token_version", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "auth_revoked_token",
        sa.Column("jti", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_auth_revoked_token_user_id", "auth_revoked_token", ["user_id"])
    op.create_index("ix_auth_revoked_token_expires_at", "auth_revoked_token", ["expires_at"])
    op.create_table(
        "auth_event",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("username", sa.String(64), nullable=False, server_default=""),
        sa.Column("user_id", sa.Integer),
        sa.Column("address", sa.String(64), nullable=False, server_default=""),
        sa.Column("actor_id", sa.Integer),
        sa.Column("detail", sa.String(200), nullable=False, server_default=""),
    )
    op.create_index("ix_auth_event_username_at", "auth_event", ["kind", "username", "at"])
    op.create_index("ix_auth_event_address_at", "auth_event", ["kind", "address", "at"])


def downgrade() -> None:
    op.drop_table("auth_event")
    op.drop_table("auth_revoked_token")
    op.drop_column("app_user", "token_version")
