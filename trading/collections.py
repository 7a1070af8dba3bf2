"""Feature collections this package offers to the OGC APIs, tiles and maps.

Listings carry PUBLIC attributes only: never the reserve price, never a bidder.
Drafts are not served. Geometry: the union of the offered parcels, EPSG:4490.
"""

from __future__ import annotations

from gis.collections import Collection

PUBLIC_PROPERTIES = {
    "code": "string",
    "title": "string",
    "method": "string",
    "status": "string",
    "outcome": "string",
    "land_use": "string",
    "district_code": "string",
    "area_m2": "number",
    "far_min": "number",
    "far_max": "number",
    "term_years": "integer",
    "start_price": "number",
    "increment": "number",
    "deposit": "number",
    "current_price": "number",
    "bid_count": "integer",
    "announcement_date": "date",
    "bid_start": "datetime",
    "bid_end": "datetime",
    "deadline": "datetime",
}

LISTINGS = Collection(
    id="land_listings",
    title="土地出让公告 land-supply listings",
    description="Published tenders, auctions and listings (招标/拍卖/挂牌) of construction-land "
    "use rights: method, status, land use, area in m² (EPSG:4547), start and current price in "
    "yuan, bidding window (Asia/Shanghai). The reserve price is never served here.",
    table="trading_listing",
    properties=PUBLIC_PROPERTIES,
    where="status <> 'draft'",
    datetime_column="bid_start",
    min_zoom=10,
    # Every bid changes the current price: keep listings out of the cached default base map
    # rather than put bids behind the tile change log's database-wide lock.
    extra={"basemap": False},
)

COLLECTIONS: list[Collection] = [LISTINGS]
