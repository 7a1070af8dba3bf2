"""Trading money and roles that can be trusted: the cashier role, who confirmed a deposit,
the bidder identity bound to an account, and the bank notices already applied.

* ``app_user.role`` may be ``cashier`` (出纳, the trading centre's finance staff).
* ``trading_registration`` says who confirmed the deposit (``deposit_source`` staff |
  bank; ``self`` marks the deposits bidders declared themselves before this revision),
  the bank's reference and the confirming staff member.
* ``trading_bidder_identity``: one ID number per account, one account per ID number.
* ``trading_bank_notice``: every applied signed bank notice, so a replay is refused.

Revision ID: 0019_trading_trust
Revises: 0005_trading
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_trading_trust"
down_revision = "0005_trading"
branch_labels = None
depends_on = None

ROLES = "'surveyor','registrar','planner','inspector','bidder','admin'"


def _roles(extra: str) -> None:
    op.execute("ALTER TABLE app_user DROP CONSTRAINT ck_app_user_role_known")
    op.execute(
        f"ALTER TABLE app_user ADD CONSTRAINT ck_app_user_role_known CHECK (role IN ({extra}))"
    )


def upgrade() -> None:
    _roles(ROLES + ",'cashier'")
    op.add_column("trading_registration", sa.Column("deposit_source", sa.String(8)))
    op.add_column("trading_registration", sa.Column("deposit_reference", sa.String(64)))
    op.add_column(
        "trading_registration",
        sa.Column(
            "deposit_confirmed_by",
            sa.Integer,
            sa.ForeignKey("app_user.id", name="fk_trading_registration_deposit_confirmed_by"),
        ),
    )
    op.execute(
        "UPDATE trading_registration SET deposit_source = 'self' WHERE deposit_status <> 'unpaid'"
    )
    op.execute(
        "ALTER TABLE trading_registration ADD CONSTRAINT ck_trading_registration_deposit_sourced "
        "CHECK ((deposit_status = 'unpaid') = (deposit_source IS NULL) "
        "AND (deposit_source IS NULL OR deposit_source IN ('staff','bank','self')) "
        "AND (deposit_source IS DISTINCT FROM 'staff' OR deposit_confirmed_by IS NOT NULL))"
    )
    op.create_table(
        "trading_bidder_identity",
        sa.Column(
            "user_id",
            sa.Integer,
            sa.ForeignKey("app_user.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("party_kind", sa.String(8), nullable=False),
        sa.Column("party_name", sa.String(200), nullable=False),
        sa.Column("id_number", sa.String(32), nullable=False, unique=True),
        sa.Column("bound_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "trading_bank_notice",
        sa.Column("notice_id", sa.String(64), primary_key=True),
        sa.Column(
            "registration_id",
            sa.BigInteger,
            sa.ForeignKey("trading_registration.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("amount", sa.Numeric(16, 2), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body_sha256", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("trading_bank_notice")
    op.drop_table("trading_bidder_identity")
    op.execute(
        "ALTER TABLE trading_registration DROP CONSTRAINT ck_trading_registration_deposit_sourced"
    )
    op.drop_column("trading_registration", "deposit_confirmed_by")
    op.drop_column("trading_registration", "deposit_reference")
    op.drop_column("trading_registration", "deposit_source")
    op.execute("DELETE FROM app_user WHERE role = 'cashier'")
    _roles(ROLES)
