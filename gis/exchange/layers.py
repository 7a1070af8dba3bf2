"""Export of any registered feature collection (gis.collections) to a vector file.

The SQL is built from the collection's description (identifiers come from code, never
from users) and streamed with a server-side cursor in chunks; an optional bbox
(EPSG:4490 lon/lat) is a bound parameter.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import geopandas as gpd
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.collections import Collection
from gis.exchange.write import write_frames
from gis.geo import STORAGE_SRID

BBox = tuple[float, float, float, float]


def collection_sql(c: Collection, bbox: BBox | None) -> str:
    """SELECT of a collection's id, public properties and WKB geometry (names from code)."""
    props = [p for p in c.properties if p != c.id_column]
    columns = ", ".join([f'"{c.id_column}" AS fid', *(f'"{p}"' for p in props)])
    where = [f"({c.where})"] if c.where else []
    if bbox is not None:
        where.append(f'"{c.geometry_column}" && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4490)')
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    return (
        f'SELECT {columns}, ST_AsBinary("{c.geometry_column}") AS wkb FROM "{c.table}"{clause} '
        f'ORDER BY "{c.id_column}"'
    )


def export_collection(
    session: Session,
    collection: Collection,
    fmt: str,
    dest: Path,
    srid: int = STORAGE_SRID,
    bbox: BBox | None = None,
    chunk: int = 50_000,
) -> int:
    """Write a collection's features to ``dest``; returns the count."""
    frames = _frames(session, collection, bbox, chunk)
    return write_frames(frames, fmt, dest, srid, layer=collection.id, dxf_label="fid")


def _frames(
    session: Session, c: Collection, bbox: BBox | None, chunk: int
) -> Iterator[gpd.GeoDataFrame]:
    params = dict(zip(("x0", "y0", "x1", "y1"), bbox, strict=True)) if bbox else {}
    result = session.execute(
        text(collection_sql(c, bbox)).execution_options(yield_per=chunk), params
    )
    for rows in result.partitions(chunk):
        records = [dict(r._mapping) for r in rows]
        geoms = shapely.from_wkb([bytes(r.pop("wkb")) if r["wkb"] else None for r in records])
        for r in records:
            for key, value in r.items():
                if isinstance(value, Decimal):
                    r[key] = float(value)
                elif hasattr(value, "isoformat"):
                    r[key] = value.isoformat()
        yield gpd.GeoDataFrame(records, geometry=geoms, crs=STORAGE_SRID)
