"""Feature collections this package offers to the OGC APIs, tiles and maps.

Parcels carry their PUBLIC attributes only (no parties, rights or prices); only the
current version of each parcel (``end_lifespan IS NULL``) is served. Writes go
through :class:`cadastre.editor.ParcelEditor`, i.e. through the cadastre's rules.
"""

from __future__ import annotations

from cadastre.editor import ParcelEditor
from gis.collections import Collection

PARCELS = Collection(
    id="parcels",
    title="宗地 cadastral parcels",
    description="Current cadastral parcels with public attributes: unit code (不动产单元代码), "
    "GB/T 21010 land use, area in m² (EPSG:4547) and registration status.",
    table="parcel",
    properties={
        "unit_code": "string",
        "land_use": "string",
        "area_m2": "number",
        "reg_status": "string",
    },
    id_column="unit_code",
    where="end_lifespan IS NULL",
    datetime_column="begin_lifespan",
    edit_roles=frozenset({"surveyor", "registrar"}),
    editor=ParcelEditor(),
    min_zoom=13,
)

COLLECTIONS: list[Collection] = [PARCELS]
