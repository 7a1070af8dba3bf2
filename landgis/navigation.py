"""What joins the domains' pages, wired when the app is made: the entries of the one
navigation bar (:mod:`gis.web.nav`) and the link providers of parcel popups
(:mod:`cadastre.parcels.links`); the composition root is the only place that knows them all."""

from __future__ import annotations

from cadastre.field.pages import NAV_ENTRIES as FIELD
from cadastre.maps import NAV_ENTRIES as CADASTRE
from cadastre.parcels.links import ParcelLinks
from gis.web import nav
from gis.web.nav import NavEntry
from trading.parcel_links import listing_links

PLATFORM = [
    NavEntry("/maps/planning", "规划", "planning", 40),
    NavEntry("/maps/changes", "卫片执法", "changes", 50),
    NavEntry("/ogc", "开放接口", "OGC", 90),
    NavEntry("/docs", "接口文档", "API", 95),
]
TRADING = [
    NavEntry("/maps/auctions", "土地交易", "auctions", 30),
    NavEntry("/maps/trading/statistics", "交易统计", "statistics", 35),
]


def register_navigation() -> None:
    """Register every domain's entries (idempotent: entries are keyed by href)."""
    nav.register([*CADASTRE, *FIELD, *TRADING, *PLATFORM])


def parcel_links() -> ParcelLinks:
    """The providers of links in a parcel's popup and page: trading's listings."""
    return ParcelLinks([listing_links])
