"""Load the demo district into the register: zones, subzones, blocks, parcels, plan, roads.

Streams block by block in chunks, so a million parcels load in bounded memory.
Runs in the caller's transaction: an interrupted load leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from cadastre.unit_code import format_unit_code
from gis.bulk import copy_rows, ewkb_hex, polygons_from_rings, reproject_rings
from gis.demo import COUNTY, DemoDistrict, DemoParcel
from gis.demo_load import load_plan, load_roads, to_storage
from gis.geo import AREA_SRID, STORAGE_SRID

CHUNK = 20_000
PARCEL_COLUMNS = [
    "version",
    "unit_code",
    "parcel_code",
    "subzone_code",
    "block_code",
    "land_use",
    "area_m2",
    "reg_status",
    "ref_point",
    "geom",
]

Progress = Callable[[int], None]


def register_is_empty(session: Session) -> bool:
    return session.execute(text("SELECT NOT EXISTS (SELECT 1 FROM parcel)")).scalar_one()


def load_demo(session: Session, parcels: int, seed: int, progress: Progress | None = None) -> int:
    """Generate and insert the demo district; returns the number of parcels. Does not commit."""
    district = DemoDistrict(parcels, seed)
    zones = district.zones()
    copy_rows(
        session,
        "cadastral_zone",
        ["code", "name", "geom"],
        zip(
            [z.code for z in zones],
            [z.name for z in zones],
            to_storage([z.polygon for z in zones]),
            strict=True,
        ),
    )
    subs = district.subzones()
    copy_rows(
        session,
        "cadastral_subzone",
        ["code", "zone_code", "name", "geom"],
        zip(
            [s.code for s in subs],
            [s.parent for s in subs],
            [s.name for s in subs],
            to_storage([s.polygon for s in subs]),
            strict=True,
        ),
    )
    load_plan(session, district)
    load_roads(session, district)
    total = 0
    blocks, chunk = [], []
    for block, block_parcels in district.blocks():
        blocks.append(block)
        chunk.extend(block_parcels)
        if len(chunk) >= CHUNK:
            total += _flush(session, blocks, chunk)
            if progress:
                progress(total)
            blocks, chunk = [], []
    total += _flush(session, blocks, chunk)
    if progress:
        progress(total)
    session.execute(text("ANALYZE parcel"))
    return total


def _flush(session: Session, blocks: list, parcels: list[DemoParcel]) -> int:
    if blocks:
        polys = np.array([shapely.Polygon(_ring_4490(b.polygon)) for b in blocks], dtype=object)
        copy_rows(
            session,
            "street_block",
            ["code", "subzone_code", "geom"],
            zip(
                [b.code for b in blocks],
                [b.parent for b in blocks],
                ewkb_hex(polys, STORAGE_SRID),
                strict=True,
            ),
        )
    if not parcels:
        return 0
    local = polygons_from_rings([p.ring for p in parcels])
    areas = shapely.area(local)
    refs_local = shapely.get_coordinates(shapely.point_on_surface(local))
    rings = reproject_rings([p.ring for p in parcels], AREA_SRID, STORAGE_SRID)
    refs = reproject_rings([refs_local], AREA_SRID, STORAGE_SRID)[0]
    geoms = shapely.multipolygons(polygons_from_rings(rings), indices=np.arange(len(rings)))
    geom_hex = ewkb_hex(geoms, STORAGE_SRID)
    ref_hex = ewkb_hex(shapely.points(refs), STORAGE_SRID)
    rows = []
    for i, p in enumerate(parcels):
        code = format_unit_code(COUNTY, p.zone, p.subzone, p.ownership, p.right_type, p.seq)
        rows.append(
            (
                1,
                code,
                code[:19],
                code[:12],
                p.block_code,
                p.land_use,
                f"{areas[i]:.2f}",
                "registered",
                ref_hex[i],
                geom_hex[i],
            )
        )
    return copy_rows(session, "parcel", PARCEL_COLUMNS, rows)


def _ring_4490(polygon: shapely.Polygon) -> np.ndarray:
    return reproject_rings([np.asarray(polygon.exterior.coords)], AREA_SRID, STORAGE_SRID)[0]
