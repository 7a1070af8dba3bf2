"""Feature collections this package offers to the OGC APIs, tiles and maps.

Parcels carry their PUBLIC attributes only (no parties, rights or prices); only the
current version of each parcel (``end_lifespan IS NULL``) is served. Writes go
through :class:`cadastre.editor.ParcelEditor`, i.e. through the cadastre's rules.
"""

from __future__ import annotations

from cadastre.editor import ParcelEditor
from gis.collections import Collection, Extents

# the parcels a unit code came from / became through splits and merges (parcel_lineage)
_PREDECESSORS = (
    "SELECT DISTINCT p.unit_code FROM parcel c JOIN parcel_lineage l ON l.child_id = c.id "
    "JOIN parcel p ON p.id = l.parent_id WHERE c.unit_code = :fid AND p.unit_code <> :fid "
    "ORDER BY 1"
)
_SUCCESSORS = (
    "SELECT DISTINCT c.unit_code FROM parcel p JOIN parcel_lineage l ON l.parent_id = p.id "
    "JOIN parcel c ON c.id = l.child_id WHERE p.unit_code = :fid AND c.unit_code <> :fid "
    "ORDER BY 1"
)

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
    tile_geometry_column="geom_3857",  # kept by the database (migration 0062)
    where="end_lifespan IS NULL",
    datetime_column="begin_lifespan",
    lifespan=("begin_lifespan", "end_lifespan"),  # ?datetime= reads the register as it was
    version_column="version",
    edit_roles=frozenset({"surveyor", "registrar"}),
    editor=ParcelEditor(),
    min_zoom=13,
    # partitioned by zone (migration 0050): bbox and tile reads name the subzones they touch
    # and the register's extent is read from the subzones' current boxes (migration 0056)
    extents=Extents(
        key="subzone_code",
        table="parcel_subzone_extent",
        id_begins_with_key=True,
        current="current_box",
    ),
    # below z13 the parcels' tiles are drawn from the overviews (one MVT layer "parcels")
    extra={
        "overviews": ("parcels-subzone-outlines", "parcels-by-subzone", "parcels-by-block"),
        "predecessors_sql": _PREDECESSORS,
        "successors_sql": _SUCCESSORS,
    },
)

# The overviews are made from the current parcels, simplified by dropping vertices: they lie
# inside the parcels' extent, which they give (``extent_of``; at 5M parcels a scan of the
# overview table took 0.9 s).
_OVERVIEW_PROPERTIES = {
    "land_use": "string",
    "parcels": "integer",
    "area_m2": "number",
    "subzone_code": "string",
}

PARCELS_BY_BLOCK = Collection(
    id="parcels-by-block",
    title="宗地概览（街坊） parcels merged by block and land use",
    description="Current parcels merged by block (街坊) and GB/T 21010 land use, with the "
    "number of parcels and their area in m² (EPSG:4547); simplified to about 1 m. The "
    "parcel tiles draw it at z12 (layer 'parcels').",
    table="parcel_overview",
    properties={**_OVERVIEW_PROPERTIES, "block_code": "string"},
    where="level = 'block'",
    min_zoom=12,
    max_zoom=12,
    extra={"layer_name": "parcels", "basemap": False},
    extent_of=PARCELS,
)

PARCELS_BY_SUBZONE = Collection(
    id="parcels-by-subzone",
    title="宗地概览（地籍子区） parcels merged by cadastral subzone and land use",
    description="Current parcels merged by cadastral subzone (地籍子区) and GB/T 21010 land "
    "use, with the number of parcels and their area in m² (EPSG:4547); simplified to "
    "about 5 m. The parcel tiles draw it at z11 (layer 'parcels').",
    table="parcel_overview",
    properties=_OVERVIEW_PROPERTIES,
    where="level = 'subzone'",
    min_zoom=11,
    max_zoom=11,
    extra={"layer_name": "parcels", "basemap": False},
    extent_of=PARCELS,
)

PARCELS_SUBZONE_OUTLINES = Collection(
    id="parcels-subzone-outlines",
    title="宗地概览（地籍子区主要用途） cadastral subzones by main land use",
    description="Each cadastral subzone (地籍子区) as one outline, its blocks closed over the "
    "streets between them, in the GB/T 21010 land use of most of its area, with the number "
    "of its parcels and their area in m² (EPSG:4547); simplified to about 10 m. The parcel "
    "tiles draw it at z10 (layer 'parcels').",
    table="parcel_overview",
    properties=_OVERVIEW_PROPERTIES,
    where="level = 'subzone_main'",
    min_zoom=10,
    max_zoom=10,
    extra={"layer_name": "parcels", "basemap": False},
    extent_of=PARCELS,
)

COLLECTIONS: list[Collection] = [
    PARCELS_SUBZONE_OUTLINES,
    PARCELS_BY_SUBZONE,
    PARCELS_BY_BLOCK,
    PARCELS,
]
