"""Land trading: listings, listed parcels, bidder registrations, bids, records, contracts.

Revision ID: 0005_trading
Revises: 0001_foundation
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005_trading"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def money(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Numeric(16, 2), nullable=nullable)


def ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _listing() -> None:
    op.create_table(
        "trading_listing",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("code", sa.String(24), nullable=False, unique=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="draft"),
        sa.Column("outcome", sa.String(16)),
        sa.Column("land_use", sa.String(4), nullable=False),
        sa.Column("district_code", sa.String(9), nullable=False),
        sa.Column("area_m2", sa.Numeric(14, 2), nullable=False),
        sa.Column("far_min", sa.Numeric(6, 2), nullable=False),
        sa.Column("far_max", sa.Numeric(6, 2), nullable=False),
        sa.Column("term_years", sa.Integer, nullable=False),
        money("start_price"),
        money("increment"),
        money("deposit"),
        money("reserve_price"),
        money("current_price", nullable=True),
        sa.Column("bid_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("announcement_date", sa.Date, nullable=False),
        ts("bid_start", False),
        ts("bid_end", False),
        ts("deadline", False),
        ts("last_bid_at"),
        money("final_price", nullable=True),
        sa.Column("winner_registration_id", sa.BigInteger),
        ts("published_at"),
        ts("closed_at"),
        ts("result_published_at"),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("geom", Geometry("MULTIPOLYGON", srid=4490, spatial_index=False), nullable=False),
        sa.CheckConstraint("method IN ('tender','auction','listing')", name="method_known"),
        sa.CheckConstraint(
            "status IN ('draft','published','closed','onsite','result_published')",
            name="status_known",
        ),
        sa.CheckConstraint(
            "start_price > 0 AND increment > 0 AND deposit >= 0 AND reserve_price > 0",
            name="money_positive",
        ),
        sa.CheckConstraint("far_min >= 0 AND far_max >= far_min", name="far_range"),
        sa.CheckConstraint("bid_end > bid_start", name="window"),
    )
    op.create_index("ix_trading_listing_geom", "trading_listing", ["geom"], postgresql_using="gist")
    op.create_index("ix_trading_listing_status", "trading_listing", ["status"])
    op.create_table(
        "trading_listing_parcel",
        sa.Column(
            "listing_id",
            sa.BigInteger,
            sa.ForeignKey("trading_listing.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("unit_code", sa.String(28), primary_key=True),
        sa.Column("parcel_id", sa.BigInteger, nullable=False),
        sa.Column("parcel_code", sa.String(19), nullable=False),
        sa.Column("area_m2", sa.Numeric(14, 2), nullable=False),
    )


def _bidding() -> None:
    op.create_table(
        "trading_registration",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column(
            "listing_id",
            sa.BigInteger,
            sa.ForeignKey("trading_listing.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("bidder_no", sa.String(8), nullable=False),
        sa.Column("party_kind", sa.String(8), nullable=False),
        sa.Column("party_name", sa.String(200), nullable=False),
        sa.Column("id_number", sa.String(32), nullable=False),
        ts("registered_at", False),
        sa.Column("deposit_status", sa.String(10), nullable=False, server_default="unpaid"),
        money("deposit_amount", nullable=True),
        ts("deposit_paid_at"),
        ts("deposit_settled_at"),
        sa.Column("wants_onsite", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.UniqueConstraint("listing_id", "user_id"),
        sa.UniqueConstraint("listing_id", "bidder_no", name="uq_trading_registration_bidder_no"),
        sa.CheckConstraint(
            "deposit_status IN ('unpaid','paid','refunded','credited')", name="deposit_known"
        ),
        sa.CheckConstraint("party_kind IN ('natural','legal')", name="party_kind_known"),
    )
    op.create_table(
        "trading_bid",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column(
            "listing_id",
            sa.BigInteger,
            sa.ForeignKey("trading_listing.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "registration_id",
            sa.BigInteger,
            sa.ForeignKey("trading_registration.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("seq", sa.Integer, nullable=False),
        money("amount"),
        sa.Column("sealed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("phase", sa.String(8), nullable=False, server_default="online"),
        ts("placed_at", False),
        sa.UniqueConstraint("listing_id", "seq"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
    )
    op.create_index(
        "uq_trading_bid_open_amount",
        "trading_bid",
        ["listing_id", "amount"],
        unique=True,
        postgresql_where=sa.text("NOT sealed"),
    )
    op.create_index(
        "uq_trading_bid_sealed_once",
        "trading_bid",
        ["registration_id"],
        unique=True,
        postgresql_where=sa.text("sealed"),
    )


def _records() -> None:
    op.create_table(
        "trading_record",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("listing_id", sa.BigInteger, sa.ForeignKey("trading_listing.id"), unique=True),
        sa.Column(
            "registration_id",
            sa.BigInteger,
            sa.ForeignKey("trading_registration.id"),
            nullable=False,
        ),
        sa.Column("buyer_name", sa.String(200), nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("land_use", sa.String(4), nullable=False),
        sa.Column("district_code", sa.String(9), nullable=False),
        sa.Column("area_m2", sa.Numeric(14, 2), nullable=False),
        money("price"),
        money("price_per_m2"),
        money("price_per_floor_m2"),
        sa.Column("deal_date", sa.Date, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_index("ix_trading_record_deal_date", "trading_record", ["deal_date"])
    op.create_table(
        "trading_contract",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("contract_no", sa.String(32), nullable=False, unique=True),
        sa.Column("record_id", sa.BigInteger, sa.ForeignKey("trading_record.id"), unique=True),
        sa.Column("buyer_user_id", sa.Integer, sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("buyer_name", sa.String(200), nullable=False),
        money("price"),
        money("deposit_credited"),
        money("balance_due"),
        sa.Column("term_years", sa.Integer, nullable=False),
        ts("signed_at", False),
        sa.Column("cadastre_cases", JSONB, nullable=False, server_default="[]"),
    )


def upgrade() -> None:
    _listing()
    _bidding()
    _records()


def downgrade() -> None:
    for table in (
        "trading_contract",
        "trading_record",
        "trading_bid",
        "trading_registration",
        "trading_listing_parcel",
        "trading_listing",
    ):
        op.drop_table(table)
