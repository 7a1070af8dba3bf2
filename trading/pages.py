"""Public pages, no login, no CDN: the land market (a list beside a map), one page per
listing (its own map, 坐落, plan conditions, the announcement, how to register and bid,
the result) and the statistics page. All HTML is in ``trading/templates`` (autoescape).

Only the public view of a listing (trading/views.py) reaches these pages, so the
reserve price and bidder identities cannot appear before the result is published.
The navigation bar is the site's one bar (:mod:`gis.web.nav`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from cadastre.collections import PARCELS
from cadastre.maps import parcels_centre
from gis.db import get_session
from gis.demo import CENTRE_LONLAT
from gis.landuse import FIRST_LEVEL
from gis.replica import get_read_session
from gis.web.templating import render_template
from gis.web.vectorlayers import layer, map_config
from trading import charts, clock, formatting, market, repository, service, stats, views
from trading.settings import get_trading_settings

router = APIRouter(tags=["maps"], include_in_schema=False)
TEMPLATES = Path(__file__).parent / "templates"
FORMATS = {
    "wan": formatting.wan,
    "yuan": formatting.yuan,
    "area": formatting.area,
    "date_zh": formatting.date_zh,
    "datetime_zh": formatting.datetime_zh,
    "duration": formatting.duration_zh,
}


def base_layers() -> list[dict[str, Any]]:
    """The district under the listings: parcels (grey, not clickable) and roads, as tiles."""
    parcels = {"fill": True, "color": "#9a9a9a", "weight": 0.4, "fillColor": "#ece9e2"}
    return [
        layer(PARCELS.id, "宗地 parcels", {**parcels, "fillOpacity": 0.7}),
        layer("roads", "道路 roads", {"color": "#ffffff", "weight": 3, "opacity": 0.9}),
    ]


def _page(name: str, session: Session, **context: Any) -> HTMLResponse:
    centre = parcels_centre(session) or CENTRE_LONLAT
    body = render_template(
        name,
        TEMPLATES,
        nav_current="/maps/auctions",
        config=map_config(centre, 15, base_layers()),
        **FORMATS,
        **context,
    )
    return HTMLResponse(body)


@router.get("/maps/auctions", response_class=HTMLResponse)
def auction_map(session: Session = Depends(get_session)) -> HTMLResponse:
    """Every published listing in a list (filter by state, use, town; newest first) beside
    the map; picking one zooms the map to it; a countdown to each one's next event."""
    now = clock.now()
    where = market.places(session)
    cards = [
        market.card(views.listing_public(session, listing, now), where[listing.id], now)
        for listing in repository.all_listings(session, include_drafts=False)
        if listing.id in where
    ]
    cards.sort(key=lambda c: (c["sort_key"], c["id"]), reverse=True)
    classes = sorted({c["use"]["class"] for c in cards})
    return _page(
        "auctions.html",
        session,
        title="土地交易 land market",
        listings=cards,
        phases=market.phase_choices(),
        uses=[(code, f"{code} {FIRST_LEVEL[code][0]}") for code in classes],
        towns=sorted({c["town"] for c in cards if c["town"]}),
        colours=market.PHASE_COLOURS,
    )


@router.get("/maps/auctions/{listing_id}", response_class=HTMLResponse)
def listing_page(listing_id: int, session: Session = Depends(get_session)) -> HTMLResponse:
    """One listing: its map, 坐落, plan conditions, announcement, how to register and bid,
    live price and countdown (polled, no reload) and the result once published."""
    now = clock.now()
    listing = service.get_listing(session, listing_id)
    item = views.listing_public(session, listing, now)
    place = market.places(session, listing.id)[listing.id]
    bids = views.bids_public(session, listing, repository.bids(session, listing.id))
    return _page(
        "listing.html",
        session,
        title=f"{item['code']} {item['title']}",
        item=item,
        card=market.card(item, place, now),
        bids=bids if listing.status in ("closed", "result_published") else [],
        method_name=market.method_name(listing.method),
        countdown_s=get_trading_settings().countdown_seconds,
        live={"id": listing.id, "every_ms": 1500, "bid_start": item["bid_start"]},
    )


@router.get("/maps/trading/statistics", response_class=HTMLResponse)
def statistics_page(
    district: str | None = None,
    land_use: str | None = None,
    session: Session = Depends(get_read_session),  # public read: replica (#15)
) -> HTMLResponse:
    """Sales by year, quarter, use and method as SVG charts drawn here (no chart library,
    works offline), made to read well with a handful of sales."""
    filters = stats.Filters(district or None, land_use or None)
    summary = stats.summary(session, filters, clock.local_date(clock.now()))
    query = {k: v for k, v in (("district", district), ("land_use", land_use)) if v}
    body = render_template(
        "statistics.html",
        TEMPLATES,
        nav_current="/maps/trading/statistics",
        title="土地成交统计 land sales statistics",
        summary=summary,
        charts=charts.summary_charts(summary),
        query=query,
        district=district or "",
        land_use=land_use or "",
        **FORMATS,
    )
    return HTMLResponse(body)
