"""How the trading pages write money and dates: prices in 万元 (10,000 yuan) with thousands
separators, dates the Chinese way (2026年12月3日), times in the bureau's time zone."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from trading import clock

TEN_THOUSAND = Decimal(10000)
CENT = Decimal("0.01")


def wan(amount: Decimal | str | None) -> str:
    """Yuan as 万元 with two decimals and separators: 8200000 -> "820.00 万元"; None -> "—"."""
    if amount is None:
        return "—"
    value = (Decimal(amount) / TEN_THOUSAND).quantize(CENT, rounding=ROUND_HALF_UP)
    return f"{value:,.2f} 万元"


def yuan(amount: Decimal | str | None) -> str:
    """Yuan with separators and two decimals: 12345.6 -> "12,345.60 元"; None -> "—"."""
    if amount is None:
        return "—"
    return f"{Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP):,.2f} 元"


def area(m2: Decimal | str | None) -> str:
    """Square metres with separators and 亩 (1 亩 = 666.67 m²): "3,334.00 m²（5.00 亩）"."""
    if m2 is None:
        return "—"
    value = Decimal(m2)
    mu = (value * 3 / 2000).quantize(CENT, rounding=ROUND_HALF_UP)
    return f"{value.quantize(CENT):,.2f} m²（{mu:,.2f} 亩）"


def date_zh(day: date | datetime | str | None) -> str:
    """A calendar date the Chinese way, without leading zeros: 2026-12-03 -> "2026年12月3日".
    A datetime is first put into the bureau's time zone."""
    if day is None:
        return "—"
    if isinstance(day, str):
        day = datetime.fromisoformat(day) if "T" in day else date.fromisoformat(day)
    if isinstance(day, datetime):
        day = day.astimezone(clock.zone()).date()
    return f"{day.year}年{day.month}月{day.day}日"


def datetime_zh(instant: datetime | str | None) -> str:
    """An instant in the bureau's time zone: "2026年12月3日 09:30"."""
    if instant is None:
        return "—"
    if isinstance(instant, str):
        instant = datetime.fromisoformat(instant)
    local = instant.astimezone(clock.zone())
    return f"{date_zh(local.date())} {local:%H:%M}"


def duration_zh(seconds: int) -> str:
    """A countdown as the pages write it before their script takes over: "3天 d 04:05:06"."""
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    text = f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
    return f"{days}天 d {text}" if days else text
