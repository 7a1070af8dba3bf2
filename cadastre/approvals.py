"""Registered parcels as an approval source for satellite-image enforcement (卫片执法).

Every current registered parcel is reported when a change patch touches it; only
parcels registered for construction land (GB/T 21010 first-level classes 05-10:
commercial, industrial, residential, public, special, transport) count as an approval
that explains a built-up change. Cropland, forest or water parcels do not.
"""

from __future__ import annotations

from gis.raster.approvals import ApprovalSource

CONSTRUCTION_CLASSES = ("05", "06", "07", "08", "09", "10")

REGISTERED_PARCELS = ApprovalSource(
    name="cadastre.registered_parcels",
    title_zh="已登记宗地",
    title_en="registered parcels",
    sql=(
        "SELECT unit_code AS ref, land_use AS label, "
        "(reg_status = 'registered' AND left(land_use, 2) IN "
        "('" + "','".join(CONSTRUCTION_CLASSES) + "')) AS approved, geom "
        "FROM parcel WHERE end_lifespan IS NULL AND reg_status = 'registered'"
    ),
)

SOURCES = [REGISTERED_PARCELS]
