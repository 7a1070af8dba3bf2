"""Request bodies of the trading API (responses are built in trading/views.py)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from cadastre.registry.identity import credit_code_check_char, valid_party_number
from gis.contracts import Coded
from trading import clock
from trading.money import Money, MoneyOrZero


def _aware(value: datetime | None) -> datetime | None:
    """A time without an offset is read in the bureau's zone (Asia/Shanghai)."""
    return value if value is None or value.tzinfo else value.replace(tzinfo=clock.zone())


def _unit_codes(value: list[str] | None) -> list[str] | None:
    for code in value or []:
        if len(code) != 28:
            raise ValueError(f"{code!r} is not a 28-character real-estate unit code")
    if value is not None and len(set(value)) != len(value):
        raise ValueError("a unit code is listed twice")
    return value


# The terms of a listing, one type each, shared by ListingCreate and ListingUpdate.
Title = Annotated[str, Field(min_length=1, max_length=200)]
Method = Literal["tender", "auction", "listing"]
UnitCodes = Annotated[list[str], Field(min_length=1, max_length=50), AfterValidator(_unit_codes)]
LandUse = Annotated[str, Field(pattern=r"^\d{2}(\d{2})?$")]
FarMin = Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)]
FarMax = Annotated[Decimal, Field(gt=0, le=100, decimal_places=2)]
TermYears = Annotated[int, Field(ge=1, le=70)]
BidTime = Annotated[datetime, AfterValidator(_aware)]


class ListingCreate(BaseModel):
    """A draft listing: what is offered, on what terms, and when."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    method: Method
    unit_codes: UnitCodes
    land_use: LandUse
    far_min: FarMin
    far_max: FarMax
    term_years: TermYears
    start_price: Money
    increment: Money
    deposit: MoneyOrZero
    reserve_price: Money
    announcement_date: date
    bid_start: BidTime
    bid_end: BidTime


class ListingUpdate(BaseModel):
    """Changes to a draft (PATCH): any of the creation fields, each validated as at creation;
    the terms as a whole are checked again by the service (trading.service.update_draft)."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    method: Method | None = None
    unit_codes: UnitCodes | None = None
    land_use: LandUse | None = None
    far_min: FarMin | None = None
    far_max: FarMax | None = None
    term_years: TermYears | None = None
    start_price: Money | None = None
    increment: Money | None = None
    deposit: MoneyOrZero | None = None
    reserve_price: Money | None = None
    announcement_date: date | None = None
    bid_start: BidTime | None = None
    bid_end: BidTime | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> ListingUpdate:
        """A term can be changed but not removed: null is refused, naming the field."""
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null; leave it out to keep it")
        if not self.model_fields_set:
            raise ValueError("nothing to change: send at least one field")
        return self

    def changes(self) -> dict[str, Any]:
        """The fields sent, as Python values."""
        return {name: getattr(self, name) for name in self.model_fields_set}


def party_number_ok(kind: str, number: str) -> bool:
    """An ID-card number with its GB 11643 check character, or a unified social credit
    code with its GB 32100 check character (the cadastre's own checks)."""
    if not valid_party_number(kind, number):
        return False
    return kind == "natural" or credit_code_check_char(number[:17]) == number[17]


class RegistrationIn(BaseModel):
    """Who bids: a natural or legal person, as the buyer will be registered in the cadastre.

    The first registration binds this identity to the account (trading/identity.py)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["natural", "legal"]
    name: str = Field(min_length=1, max_length=200)
    id_number: str = Field(min_length=18, max_length=18)

    @field_validator("id_number")
    @classmethod
    def _id_number(cls, number: str, info: ValidationInfo) -> str:
        """ID-card number or unified social credit code, check character included."""
        kind = info.data.get("kind")
        if kind is not None and not party_number_ok(kind, number):
            what = (
                "身份证号码（GB 11643 校验码）/ ID-card number (GB 11643 check character)"
                if kind == "natural"
                else "统一社会信用代码（GB 32100 校验码）/ unified social credit code "
                "(GB 32100 check character)"
            )
            raise ValueError(f"id_number is not a valid 18-character {what}")
        return number


class BidIn(BaseModel):
    """An open bid or a sealed tender bid, in yuan (decimal string or whole-fen number)."""

    model_config = ConfigDict(extra="forbid")

    amount: Money


class DepositIn(BaseModel):
    """A deposit payment; the amount must equal the listing's deposit."""

    model_config = ConfigDict(extra="forbid")

    amount: MoneyOrZero


Reference = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:/-]+$")]


class DepositConfirmIn(BaseModel):
    """Staff confirm a deposit that reached the centre's account (bank serial number)."""

    model_config = ConfigDict(extra="forbid")

    amount: MoneyOrZero
    reference: Reference


class BankNoticeIn(BaseModel):
    """A deposit notice signed by the bank (HMAC-SHA256 of the raw body, X-Bank-Signature).

    ``notice_id`` is unique per notice (a replay is refused); ``sent_at`` says when the
    bank sent it (a stale notice is refused); the notice names the registration by the
    listing code and the bidder number, and the payer by its ID number."""

    model_config = ConfigDict(extra="forbid")

    notice_id: Reference
    listing_code: str = Field(min_length=1, max_length=24)
    bidder_no: str = Field(min_length=1, max_length=8)
    payer_id_number: str = Field(min_length=18, max_length=18)
    amount: MoneyOrZero
    reference: Reference
    paid_at: BidTime
    sent_at: BidTime


class RegistrationView(BaseModel):
    """A registration as its bidder and the centre's staff see it (never public)."""

    id: int
    listing_id: int
    user_id: int
    bidder_no: str
    party_kind: str
    party_name: str
    id_number: str
    registered_at: str | None
    deposit_status: str
    deposit_amount: str | None
    deposit_paid_at: str | None
    deposit_settled_at: str | None
    deposit_source: str | None
    deposit_reference: str | None
    wants_onsite: bool


# --- Responses (issue 17: typed contracts). Built as dicts by trading/views.py and
# trading/stats.py; these models are the contract FastAPI checks them against. The public
# models carry no bidder identity; the one published name is the buyer of a sold listing
# (the result announcement, 成交公示), named in tests/test_contracts.py.


class ListingParcelPublic(BaseModel):
    unit_code: str
    parcel_code: str | None
    area_m2: str | None


class WinnerPublic(BaseModel):
    """The buyer of a sold listing, as the published result announces it."""

    bidder_no: str
    name: str


class ListingPublic(BaseModel):
    """A listing as anyone sees it: the reserve and the winner only once published."""

    id: int
    code: str
    title: str
    method: Coded | None
    status: Coded | None
    phase: Coded | None
    land_use: Coded
    district_code: str | None
    area_m2: str | None
    far_min: str
    far_max: str
    term_years: int
    start_price: str | None
    increment: str | None
    deposit: str | None
    current_price: str | None
    next_minimum: str | None
    bid_count: int
    announcement_date: str
    bid_start: str | None
    bid_end: str | None
    deadline: str | None
    server_time: str | None
    seconds_left: int
    outcome: Coded | None
    parcels: list[ListingParcelPublic]
    reserve_price: str | None = None
    final_price: str | None = None
    result_published_at: str | None = None
    winner: WinnerPublic | None = None


class ListingLive(BaseModel):
    """The few figures a bidding page polls."""

    id: int
    phase: Coded | None
    status: Coded | None
    current_price: str | None
    next_minimum: str | None
    bid_count: int
    deadline: str | None
    server_time: str | None
    seconds_left: int
    outcome: Coded | None


class ListingStaff(ListingPublic):
    """Everything about a listing, for the centre's staff: reserve and registrations."""

    winner_registration_id: int | None
    registrations: list[RegistrationView]


class BidPublic(BaseModel):
    """A bid as the public sees it; the bidder number only once the result is published."""

    seq: int
    amount: str | None
    phase: str
    placed_at: str | None
    bidder_no: str | None = None


class BidPlaced(BaseModel):
    """The answer to a bid: an open bid's new deadline, or a sealed bid's receipt."""

    seq: int
    placed_at: str
    amount: str | None = None
    deadline: str | None = None
    sealed: bool | None = None


class RecordPublic(BaseModel):
    """A published sale (成交记录); ``buyer`` is the announced buyer."""

    id: int
    listing_id: int
    listing_code: str
    buyer: str
    method: str
    land_use: str
    land_use_zh: str
    land_use_en: str
    district_code: str | None
    district_name: str | None
    area_m2: str | None
    price: str | None
    price_per_m2: str | None
    price_per_floor_m2: str | None
    deal_date: str


class StatisticsRow(BaseModel):
    """Sales per month and first-level land class."""

    month: str
    land_class: str
    land_class_zh: str
    land_class_en: str
    count: int
    area_m2: str | None
    total_price: str | None
    median_price_per_m2: str | None
