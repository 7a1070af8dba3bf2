"""Request bodies of the trading API (responses are built in trading/views.py)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cadastre.registry.validation import valid_party_number
from trading import clock
from trading.money import Money, MoneyOrZero


class ListingCreate(BaseModel):
    """A draft listing: what is offered, on what terms, and when."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    method: Literal["tender", "auction", "listing"]
    unit_codes: list[str] = Field(min_length=1, max_length=50)
    land_use: str = Field(pattern=r"^\d{2}(\d{2})?$")
    far_min: Decimal = Field(ge=0, le=100, decimal_places=2)
    far_max: Decimal = Field(gt=0, le=100, decimal_places=2)
    term_years: int = Field(ge=1, le=70)
    start_price: Money
    increment: Money
    deposit: MoneyOrZero
    reserve_price: Money
    announcement_date: date
    bid_start: datetime
    bid_end: datetime

    @field_validator("bid_start", "bid_end")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        """A time without an offset is read in the bureau's zone (Asia/Shanghai)."""
        return value if value.tzinfo else value.replace(tzinfo=clock.zone())

    @field_validator("unit_codes")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        for code in value:
            if len(code) != 28:
                raise ValueError(f"{code!r} is not a 28-character real-estate unit code")
        if len(set(value)) != len(value):
            raise ValueError("a unit code is listed twice")
        return value


class RegistrationIn(BaseModel):
    """Who bids: a natural or legal person, as the buyer will be registered in the cadastre."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["natural", "legal"]
    name: str = Field(min_length=1, max_length=200)
    id_number: str = Field(min_length=18, max_length=18)

    @model_validator(mode="after")
    def _id_number(self) -> RegistrationIn:
        """ID-card number or unified social credit code, by the cadastre's own check."""
        if not valid_party_number(self.kind, self.id_number):
            what = "ID-card number" if self.kind == "natural" else "unified social credit code"
            raise ValueError(f"id_number is not an 18-character {what}")
        return self


class BidIn(BaseModel):
    """An open bid or a sealed tender bid, in yuan (decimal string or whole-fen number)."""

    model_config = ConfigDict(extra="forbid")

    amount: Money


class DepositIn(BaseModel):
    """A deposit payment; the amount must equal the listing's deposit."""

    model_config = ConfigDict(extra="forbid")

    amount: MoneyOrZero
