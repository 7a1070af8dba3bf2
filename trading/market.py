"""What the public market pages show of a listing: its place (坐落: town and nearest road),
the next event a countdown runs to, and prices in 万元. Built on the public view
(:func:`trading.views.listing_public`), so nothing hidden before the result leaks here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.basemap.repository import nearest_road_sql
from trading import formatting as f
from trading.rules import METHODS, PHASES

PHASE_COLOURS = {
    "upcoming": "#2b83ba",
    "open": "#1a9641",
    "awaiting_close": "#fdae61",
    "onsite": "#d7191c",
    "closed": "#777777",
    "result_published": "#7b3294",
}
# phase -> (label zh, label en, the instant the countdown runs to)
NEXT_EVENT = {
    "upcoming": ("距竞价开始", "bidding opens in", "bid_start"),
    "open": ("距竞价截止", "bidding closes in", "deadline"),
    "onsite": ("现场竞价倒计时", "on-site auction ends in", "deadline"),
}
PLACES_SQL = text(
    "SELECT l.id, z.name AS zone, ST_AsGeoJSON(l.geom, 7)::json AS geometry, "
    f"{nearest_road_sql('l.geom')} AS road "
    "FROM trading_listing l LEFT JOIN cadastral_zone z ON z.code = l.district_code "
    "WHERE l.status <> 'draft' AND (CAST(:id AS bigint) IS NULL OR l.id = :id) ORDER BY l.id"
)


@dataclass(frozen=True)
class Place:
    """Where a listing lies: town (镇街, the cadastral zone's name), nearest road, shape."""

    town: str
    road: str
    geometry: dict[str, Any]

    @property
    def zh(self) -> str:
        """坐落 as one line: "莞城 东城大道"."""
        return " ".join(x for x in (self.town, self.road) if x) or "—"


def places(session: Session, listing_id: int | None = None) -> dict[int, Place]:
    """Place of every published listing (or of one), by listing id; geometry in EPSG:4490."""
    rows = session.execute(PLACES_SQL, {"id": listing_id})
    return {
        r.id: Place((r.zone or "").removesuffix("地籍区"), r.road or "", r.geometry) for r in rows
    }


def next_event(item: dict[str, Any], now: datetime) -> dict[str, Any] | None:
    """The event the countdown runs to (opening, deadline, end of the on-site auction), with
    the seconds left by the server's clock; None once bidding is over."""
    event = NEXT_EVENT.get(item["phase"]["code"])
    if event is None:
        return None
    zh, en, key = event
    at = datetime.fromisoformat(item[key])
    return {
        "zh": zh,
        "en": en,
        "at": f.datetime_zh(at),
        "seconds": max(0, int((at - now).total_seconds())),
    }


def card(item: dict[str, Any], place: Place, now: datetime) -> dict[str, Any]:
    """One listing as the list beside the map, its popup and its page show it."""
    use = item["land_use"]
    final = item.get("final_price")
    return {
        "id": item["id"],
        "code": item["code"],
        "title": item["title"],
        "phase": item["phase"],
        "colour": PHASE_COLOURS.get(item["phase"]["code"], "#777777"),
        "method": item["method"],
        "use": {"code": use["code"], "class": use["code"][:2], "zh": use["zh"], "en": use["en"]},
        "town": place.town,
        "road": place.road,
        "location": place.zh,
        "area": f.area(item["area_m2"]),
        "start_price": f.wan(item["start_price"]),
        "current_price": f.wan(item["current_price"]) if item["current_price"] else None,
        "final_price": f.wan(final) if final else None,
        "outcome": item["outcome"],
        "bid_start": f.datetime_zh(item["bid_start"]),
        "deadline": f.datetime_zh(item["deadline"]),
        "sort_key": item["bid_start"],
        "next_event": next_event(item, now),
        "geometry": place.geometry,
    }


def phase_choices() -> list[tuple[str, str]]:
    """(code, "zh en") of the phases the public sees (drafts never)."""
    return [(code, f"{zh} {en}") for code, (zh, en) in PHASES.items() if code != "draft"]


def method_name(code: str) -> str:
    zh, en = METHODS[code]
    return f"{zh} {en}"
