"""Tables of land trading: listings, their parcels, bidder registrations, bids, records, contracts.

Money is ``numeric(16, 2)`` yuan (Decimal in Python). Geometries are EPSG:4490;
areas are square metres computed in EPSG:4547. The reserve price lives in
``trading_listing.reserve_price`` and is only ever shown by staff endpoints or
after the result is published.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gis.db import Base

MONEY = Numeric(16, 2)


class Listing(Base):
    """出让公告: one offer of the construction-land use right of one or more parcels."""

    __tablename__ = "trading_listing"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(8))  # tender | auction | listing
    status: Mapped[str] = mapped_column(String(20), default="draft")
    outcome: Mapped[str | None] = mapped_column(String(16))  # sold | no_sale | onsite
    land_use: Mapped[str] = mapped_column(String(4))
    district_code: Mapped[str] = mapped_column(String(9))
    area_m2: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    far_min: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    far_max: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    term_years: Mapped[int] = mapped_column(Integer)
    start_price: Mapped[Decimal] = mapped_column(MONEY)
    increment: Mapped[Decimal] = mapped_column(MONEY)
    deposit: Mapped[Decimal] = mapped_column(MONEY)
    reserve_price: Mapped[Decimal] = mapped_column(MONEY)
    current_price: Mapped[Decimal | None] = mapped_column(MONEY)
    bid_count: Mapped[int] = mapped_column(Integer, default=0)
    announcement_date: Mapped[date] = mapped_column(Date)
    bid_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    bid_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_bid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    final_price: Mapped[Decimal | None] = mapped_column(MONEY)
    winner_registration_id: Mapped[int | None] = mapped_column(BigInteger)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    result_published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4490, spatial_index=False), nullable=False)

    __table_args__ = (
        Index("ix_trading_listing_geom", "geom", postgresql_using="gist"),
        Index("ix_trading_listing_status", "status"),
    )


class ListingParcel(Base):
    """A parcel offered by a listing (by its unit code and version at drafting time)."""

    __tablename__ = "trading_listing_parcel"

    listing_id: Mapped[int] = mapped_column(
        ForeignKey("trading_listing.id", ondelete="CASCADE"), primary_key=True
    )
    unit_code: Mapped[str] = mapped_column(String(28), primary_key=True)
    parcel_id: Mapped[int] = mapped_column(BigInteger)
    parcel_code: Mapped[str] = mapped_column(String(19))
    area_m2: Mapped[Decimal] = mapped_column(Numeric(14, 2))


class Registration(Base):
    """竞买登记: a bidder registered for one listing, with the deposit's life."""

    __tablename__ = "trading_registration"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("trading_listing.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    bidder_no: Mapped[str] = mapped_column(String(8))
    party_kind: Mapped[str] = mapped_column(String(8))  # natural | legal
    party_name: Mapped[str] = mapped_column(String(200))
    id_number: Mapped[str] = mapped_column(String(32))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deposit_status: Mapped[str] = mapped_column(String(10), default="unpaid")
    deposit_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    deposit_paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deposit_settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # who confirmed the deposit: "staff" (a cashier or the centre's registrar, named by
    # deposit_confirmed_by) or "bank" (a signed bank notice); "self" marks deposits
    # self-declared by bidders before migration 0019. Never the bidder from now on.
    deposit_source: Mapped[str | None] = mapped_column(String(8))
    deposit_reference: Mapped[str | None] = mapped_column(String(64))
    deposit_confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    wants_onsite: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        UniqueConstraint("listing_id", "user_id"),
        UniqueConstraint("listing_id", "bidder_no", name="uq_trading_registration_bidder_no"),
    )


class BidderIdentity(Base):
    """The one person or company an account bids as (bound at its first registration).

    One ID number per account and one account per ID number: a second account giving
    the same number is refused, so nobody bids against itself under two accounts.
    """

    __tablename__ = "trading_bidder_identity"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True
    )
    party_kind: Mapped[str] = mapped_column(String(8))
    party_name: Mapped[str] = mapped_column(String(200))
    id_number: Mapped[str] = mapped_column(String(32), unique=True)
    bound_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BankNotice(Base):
    """A signed deposit notice of the bank, kept so that a replayed notice is refused."""

    __tablename__ = "trading_bank_notice"

    notice_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("trading_registration.id", ondelete="CASCADE")
    )
    amount: Mapped[Decimal] = mapped_column(MONEY)
    paid_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    body_sha256: Mapped[str] = mapped_column(String(64))


class Bid(Base):
    """An accepted bid (open) or a sealed tender bid; ``seq`` orders a listing's bids."""

    __tablename__ = "trading_bid"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("trading_listing.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("trading_registration.id"))
    seq: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    sealed: Mapped[bool] = mapped_column(Boolean, default=False)
    phase: Mapped[str] = mapped_column(String(8), default="online")  # online | onsite
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("listing_id", "seq"),
        Index(
            "uq_trading_bid_open_amount",
            "listing_id",
            "amount",
            unique=True,
            postgresql_where=text("NOT sealed"),
        ),
        Index(
            "uq_trading_bid_sealed_once",
            "registration_id",
            unique=True,
            postgresql_where=text("sealed"),
        ),
    )


class TransactionRecord(Base):
    """成交记录: the published result of a sale."""

    __tablename__ = "trading_record"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("trading_listing.id"), unique=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("trading_registration.id"))
    buyer_name: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(8))
    land_use: Mapped[str] = mapped_column(String(4))
    district_code: Mapped[str] = mapped_column(String(9))
    area_m2: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    price: Mapped[Decimal] = mapped_column(MONEY)
    price_per_m2: Mapped[Decimal] = mapped_column(MONEY)
    price_per_floor_m2: Mapped[Decimal] = mapped_column(MONEY)
    deal_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # 批后监管 (trading.monitoring): the contract's 约定开工日期 and 约定竣工日期
    agreed_start_date: Mapped[date | None] = mapped_column(Date)
    agreed_completion_date: Mapped[date | None] = mapped_column(Date)


class Contract(Base):
    """国有建设用地使用权出让合同: the land-transfer contract and the cadastre case it opened."""

    __tablename__ = "trading_contract"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    contract_no: Mapped[str] = mapped_column(String(32), unique=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("trading_record.id"), unique=True)
    buyer_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    buyer_name: Mapped[str] = mapped_column(String(200))
    price: Mapped[Decimal] = mapped_column(MONEY)
    deposit_credited: Mapped[Decimal] = mapped_column(MONEY)
    balance_due: Mapped[Decimal] = mapped_column(MONEY)
    term_years: Mapped[int] = mapped_column(Integer)
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    cadastre_cases: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list)
