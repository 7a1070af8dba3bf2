"""Public transaction history and statistics (JSON, CSV) with filters.

Filters: district (9-digit cadastral zone code), land use (class prefix, e.g. 07 or 0701),
period (deal dates from / to, inclusive).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from gis import landuse
from gis.errors import InvalidInput
from trading import repository
from trading.money import fmt
from trading.rules import METHODS

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Filters:
    district: str | None = None
    land_use: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def params(self) -> dict[str, Any]:
        if self.district is not None and not (self.district.isdigit() and len(self.district) == 9):
            raise InvalidInput("district is a 9-digit cadastral zone code", field="district")
        if self.land_use is not None and not landuse.is_valid(self.land_use):
            raise InvalidInput(
                "land_use is a GB/T 21010 class such as 07 or 0701", field="land_use"
            )
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise InvalidInput("date_to is before date_from", field="date_to")
        return {
            "district": self.district,
            "land_use": self.land_use,
            "date_from": self.date_from,
            "date_to": self.date_to,
        }


def history(session: Session, filters: Filters, limit: int, offset: int) -> list[dict[str, Any]]:
    """Published sales, newest first."""
    rows = repository.records(session, filters.params(), limit, offset)
    out = []
    for r in rows:
        zh, en = landuse.names(r.land_use)
        out.append(
            {
                "id": r.id,
                "listing_id": r.listing_id,
                "listing_code": r.listing_code,
                "buyer": r.buyer_name,
                "method": r.method,
                "land_use": r.land_use,
                "land_use_zh": zh,
                "land_use_en": en,
                "district_code": r.district_code,
                "district_name": r.district_name,
                "area_m2": fmt(r.area_m2),
                "price": fmt(r.price),
                "price_per_m2": fmt(r.price_per_m2),
                "price_per_floor_m2": fmt(r.price_per_floor_m2),
                "deal_date": r.deal_date.isoformat(),
            }
        )
    return out


def statistics(session: Session, filters: Filters) -> list[dict[str, Any]]:
    """Count, area (m²), total price and median price per m² by month and first-level class."""
    out = []
    for r in repository.statistics(session, filters.params()):
        zh, en = landuse.names(r.land_class)
        out.append(
            {
                "month": r.month,
                "land_class": r.land_class,
                "land_class_zh": zh,
                "land_class_en": en,
                "count": int(r.count),
                "area_m2": fmt(r.area_m2),
                "total_price": fmt(r.total_price),
                "median_price_per_m2": fmt(Decimal(str(r.median_price_per_m2)).quantize(CENT)),
            }
        )
    return out


def to_csv(rows: list[dict[str, Any]]) -> str:
    """Rows as CSV text with a header (UTF-8 with BOM so spreadsheet programs read Chinese)."""
    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return "\ufeff" + buf.getvalue()


@dataclass(frozen=True)
class Group:
    """Sales of one year, quarter, use or method: count, land area (m²), total (yuan)."""

    key: str
    label: str
    count: int
    area_m2: Decimal
    total: Decimal

    @property
    def price_per_m2(self) -> Decimal | None:
        return (self.total / self.area_m2).quantize(CENT) if self.area_m2 else None


def _groups(
    sales: list[Any], key: Callable[[Any], str], keys: list[str], label: Callable[[str], str]
) -> list[Group]:
    """One group per key of ``keys`` (in that order, empty ones too) and any other key met."""
    found: dict[str, list[Any]] = {k: [] for k in keys}
    for sale in sales:
        found.setdefault(key(sale), []).append(sale)
    return [
        Group(
            k,
            label(k),
            len(rows),
            sum((Decimal(r.area_m2) for r in rows), Decimal(0)),
            sum((Decimal(r.price) for r in rows), Decimal(0)),
        )
        for k, rows in found.items()
    ]


def _quarter(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def _quarters(first: date, last: date) -> list[str]:
    """Every quarter from ``first``'s to ``last``'s, as "2025Q3"."""
    out, (year, q) = [], (first.year, (first.month - 1) // 3)
    while (year, q) <= (last.year, (last.month - 1) // 3):
        out.append(f"{year}Q{q + 1}")
        year, q = (year + 1, 0) if q == 3 else (year, q + 1)
    return out


def summary(session: Session, filters: Filters, today: date) -> dict[str, Any]:
    """Published sales by year, quarter (at least the last eight, empty ones included, so a
    few sales still read as a time line), first-level use and method."""
    sales = repository.records(session, filters.params(), 100_000, 0)
    first = min([s.deal_date for s in sales] + [date(today.year - 2, today.month, 1)])
    years = [str(y) for y in range(first.year, today.year + 1)]
    uses = sorted({s.land_use[:2] for s in sales})
    return {
        "count": len(sales),
        "total": sum((Decimal(s.price) for s in sales), Decimal(0)),
        "area_m2": sum((Decimal(s.area_m2) for s in sales), Decimal(0)),
        "first": min((s.deal_date for s in sales), default=None),
        "last": max((s.deal_date for s in sales), default=None),
        "by_year": _groups(sales, lambda s: str(s.deal_date.year), years, lambda k: f"{k}年"),
        "by_quarter": _groups(
            sales, lambda s: _quarter(s.deal_date), _quarters(first, today), lambda k: k
        ),
        "by_use": _groups(
            sales, lambda s: s.land_use[:2], uses, lambda k: f"{k} {landuse.names(k)[0]}"
        ),
        "by_method": _groups(
            sales, lambda s: s.method, list(METHODS), lambda k: f"{METHODS[k][0]} {METHODS[k][1]}"
        ),
    }
