"""Export of the current register to vector files, streamed in chunks.

A server-side cursor feeds chunks of parcels to gis.exchange.write, so memory stays
bounded (DXF excepted, see gis.exchange.write). Attributes carry the land-use names
in Chinese and English.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import geopandas as gpd
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis import landuse
from gis.exchange.write import write_frames
from gis.geo import STORAGE_SRID

# Column names of at most 10 characters, so Shapefile exports keep them unchanged.
EXPORT_SQL = (
    "SELECT unit_code, parcel_code AS parcel_cd, subzone_code AS subzone, block_code AS block, "
    "land_use, area_m2, reg_status AS status, "
    "ST_AsBinary(geom) AS wkb FROM parcel WHERE end_lifespan IS NULL "
    "AND (CAST(:zone AS text) IS NULL OR subzone_code LIKE :zone || '%') ORDER BY id"
)


def export_parcels(
    session: Session,
    fmt: str,
    dest: Path,
    srid: int = STORAGE_SRID,
    zone: str | None = None,
    chunk: int = 50_000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the current parcels (optionally of one zone/subzone code prefix); returns the count."""
    frames = _frames(session, zone, chunk, progress)
    return write_frames(frames, fmt, dest, srid, layer="parcel", dxf_label="unit_code")


def _frames(
    session: Session, zone: str | None, chunk: int, progress: Callable[[int], None] | None
) -> Iterator[gpd.GeoDataFrame]:
    result = session.execute(
        text(EXPORT_SQL).execution_options(yield_per=chunk), {"zone": zone or None}
    )
    done = 0
    for rows in result.partitions(chunk):
        records = [dict(r._mapping) for r in rows]
        geoms = shapely.from_wkb([bytes(r.pop("wkb")) for r in records])
        for r in records:
            r["area_m2"] = float(r["area_m2"])
            zh, en = landuse.names(r["land_use"]) if landuse.is_valid(r["land_use"]) else ("", "")
            r["use_zh"], r["use_en"] = zh, en
        done += len(records)
        if progress:
            progress(done)
        yield gpd.GeoDataFrame(records, geometry=geoms, crs=STORAGE_SRID)
