"""Export of the current register to vector files, streamed in chunks.

A server-side cursor feeds chunks of parcels to gis.exchange.write, so memory stays
bounded (DXF excepted, see gis.exchange.write). Attributes carry the land-use names
in Chinese and English.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
from sqlalchemy.orm import Session

from gis import landuse
from gis.exchange.write import write_batches
from gis.geo import STORAGE_SRID

# Column names of at most 10 characters, so Shapefile exports keep them unchanged.
EXPORT_SQL = (
    "SELECT unit_code, parcel_code, subzone_code, block_code, land_use, "
    "CAST(area_m2 AS float8), reg_status, ST_AsBinary(geom) FROM parcel "
    "WHERE end_lifespan IS NULL AND (CAST(%(zone)s AS text) IS NULL "
    "OR subzone_code LIKE %(zone)s || '%%') ORDER BY id"
)
TEXT = ("unit_code", "parcel_cd", "subzone", "block", "land_use")
SCHEMA = pa.schema(
    [*(pa.field(n, pa.string()) for n in TEXT), pa.field("area_m2", pa.float64())]
    + [pa.field(n, pa.string()) for n in ("status", "use_zh", "use_en")]
    + [pa.field("wkb", pa.binary(), metadata={b"ARROW:extension:name": b"geoarrow.wkb"})]
)
NAMES = {c: landuse.names(c) for c in (*landuse.FIRST_LEVEL, *landuse.SECOND_LEVEL)}


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
    batches = _batches(session, zone, chunk, progress)
    return write_batches(batches, SCHEMA, fmt, dest, srid, layer="parcel", dxf_label="unit_code")


def _batches(
    session: Session, zone: str | None, chunk: int, progress: Callable[[int], None] | None
) -> Iterator[pa.RecordBatch]:
    """Chunks of the register as Arrow, from a server-side cursor (column by column)."""
    raw = session.connection().connection.driver_connection
    assert raw is not None, "the session has no open DBAPI connection"
    done = 0
    with raw.cursor(name="landgis_export") as cur:
        cur.itersize = chunk
        cur.execute(EXPORT_SQL, {"zone": zone or None})
        while rows := cur.fetchmany(chunk):
            cols = list(zip(*rows, strict=True))
            names = [NAMES.get(c, ("", "")) for c in cols[4]]
            arrays = [
                *(pa.array(cols[i], pa.string()) for i in range(5)),
                pa.array(cols[5], pa.float64()),
                pa.array(cols[6], pa.string()),
                pa.array([n[0] for n in names], pa.string()),
                pa.array([n[1] for n in names], pa.string()),
                pa.array(cols[7], pa.binary()),
            ]
            done += len(rows)
            if progress:
                progress(done)
            yield pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)
