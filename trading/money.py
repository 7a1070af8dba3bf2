"""Exact money: yuan as Decimal with at most two decimals, never a binary float.

The API accepts a decimal string (``"1250000.00"``), an integer, or a JSON number
that is exactly a whole number of fen (cents); anything else is refused with the
field named. Output is always a string with two decimals.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

CENT = Decimal("0.01")
MAX_YUAN = Decimal("99999999999999.99")


def parse_money(value: Any, *, allow_zero: bool = False) -> Decimal:
    """Turn an API value into exact yuan; raise ValueError saying what is wrong."""
    if isinstance(value, bool):
        raise ValueError("money must be a decimal string or number, not a boolean")
    if isinstance(value, float):
        # A JSON number: accept it only if its shortest decimal form has whole fen.
        value = repr(value)
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, Decimal):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError("money must be a decimal string such as '1250000.00'")
    try:
        amount = Decimal(value.strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not amount.is_finite():
        raise ValueError("money must be a finite number")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValueError("money must be positive")
    if amount > MAX_YUAN:
        raise ValueError("money is too large")
    if amount != amount.quantize(CENT):
        raise ValueError("money has at most two decimals (whole fen)")
    return amount.quantize(CENT)


def _positive(value: Any) -> Decimal:
    return parse_money(value)


def _non_negative(value: Any) -> Decimal:
    return parse_money(value, allow_zero=True)


def fmt(amount: Decimal | None) -> str | None:
    """Two-decimal string of an amount (None stays None)."""
    return None if amount is None else str(Decimal(amount).quantize(CENT))


Money = Annotated[Decimal, BeforeValidator(_positive), PlainSerializer(fmt, return_type=str)]
MoneyOrZero = Annotated[
    Decimal, BeforeValidator(_non_negative), PlainSerializer(fmt, return_type=str)
]
MoneyOut = Annotated[Decimal, PlainSerializer(fmt, return_type=str)]
