"""Load the demo district into the register: zones, subzones, blocks, parcels, plan, roads,
river.

Streams block by block in chunks, so a million parcels load in bounded memory.
Runs in the caller's transaction: an interrupted load leaves nothing behind.

What the map shows must be what the register says (one fact: ``register_status``).
Parcels the demo marks 已登记 are registered: each gets its BAUnit and one right (the
ownership or use right its unit code names, share 1) held by the demo's land reserve
centre. One street block in three (chosen by its code) is newly surveyed and awaits
first registration: its parcels are 未登记 and have nothing in the register.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from cadastre.unit_code import format_unit_code
from gis.bulk import copy_rows, ewkb_hex, polygons_from_rings, reproject_rings
from gis.demo import COUNTY, DemoDistrict, DemoParcel
from gis.demo_load import load_plan, load_roads, load_water, to_storage
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
DEMO_HOLDER = ("东莞市土地储备中心（演示）", "12441900MB2C9165XD")
REGISTER_SQL = (
    "INSERT INTO baunit (unit_code, parcel_uid, status, begin_lifespan) "
    "SELECT unit_code, uid, 'active', begin_lifespan FROM parcel "
    "WHERE end_lifespan IS NULL AND reg_status = 'registered'",
    "INSERT INTO rrr (unit_code, kind, rrr_type, party_uid, share_num, share_den, begin_lifespan) "
    "SELECT unit_code, 'right', CASE substr(unit_code, 14, 1) WHEN 'A' THEN 'ownership' "
    "ELSE 'use_right' END, :party, 1, 1, begin_lifespan FROM parcel "
    "WHERE end_lifespan IS NULL AND reg_status = 'registered'",
)


def demo_status(block_code: str) -> str:
    """One block in three awaits first registration; the others are registered."""
    return "unregistered" if zlib.crc32(block_code.encode()) % 3 == 0 else "registered"


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
    load_water(session, district)
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
    _register(session)
    session.execute(text("ANALYZE parcel"))
    return total


def _register(session: Session) -> None:
    """The rights behind every parcel marked registered (see the module's docstring).

    The one-owner trigger is off for this bulk insert (each unit gets exactly one right
    of share 1): checking a million units at commit would take a lock per unit."""
    name, number = DEMO_HOLDER
    party = session.execute(
        text("INSERT INTO party (kind, name, id_number) VALUES ('legal', :n, :i) RETURNING uid"),
        {"n": name, "i": number},
    ).scalar_one()
    session.execute(text("ALTER TABLE rrr DISABLE TRIGGER rrr_one_owner"))
    for sql in REGISTER_SQL:
        session.execute(text(sql), {"party": party})
    session.execute(text("ALTER TABLE rrr ENABLE TRIGGER rrr_one_owner"))


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
                demo_status(p.block_code),
                ref_hex[i],
                geom_hex[i],
            )
        )
    return copy_rows(session, "parcel", PARCEL_COLUMNS, rows)


def _ring_4490(polygon: shapely.Polygon) -> np.ndarray:
    return reproject_rings([np.asarray(polygon.exterior.coords)], AREA_SRID, STORAGE_SRID)[0]
