"""Land sold through tender, auction or listing as an approval source for enforcement.

A published transaction record (成交记录) grants the construction-land use right of
its listing's land, so construction there is explained by an approval.
"""

from __future__ import annotations

from gis.raster.approvals import ApprovalSource

LAND_SUPPLY_RECORDS = ApprovalSource(
    name="trading.land_supply_records",
    title_zh="土地出让成交记录",
    title_en="land-supply transaction records",
    sql=(
        "SELECT l.code AS ref, l.land_use AS label, true AS approved, l.geom "
        "FROM trading_record r JOIN trading_listing l ON l.id = r.listing_id"
    ),
)

SOURCES = [LAND_SUPPLY_RECORDS]
