"""Public transaction history and statistics (JSON, CSV) with filters.

Filters: district (9-digit cadastral zone code), land use (class prefix, e.g. 07 or 0701),
period (deal dates from / to, inclusive).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from gis import landuse
from gis.errors import InvalidInput
from trading import repository
from trading.money import fmt

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
