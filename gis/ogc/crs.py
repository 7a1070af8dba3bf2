"""The CRSs of the OGC API (Part 2) and their axis order.

Storage is EPSG:4490 in lon/lat. By the OGC rules a CRS URI carries the axis order of
its EPSG definition: EPSG:4490, EPSG:4326 and EPSG:4547 are north-first (lat/lon,
northing/easting), CRS84 and EPSG:3857 east-first. Output in a north-first CRS is
therefore flipped, and a ``bbox`` in such a ``bbox-crs`` is read north-first.
WGS 84 is taken as CGCS2000 unchanged (see :mod:`gis.geo`).
"""

from __future__ import annotations

from dataclasses import dataclass

from gis.ogc.errors import InvalidParameter

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"


@dataclass(frozen=True)
class OutputCrs:
    """A CRS the API speaks: its URI, the SRID to transform to, axis flip, decimals."""

    uri: str
    srid: int
    flip: bool
    digits: int


SUPPORTED: dict[str, OutputCrs] = {
    CRS84: OutputCrs(CRS84, 4490, False, 7),
    f"{EPSG}4490": OutputCrs(f"{EPSG}4490", 4490, True, 7),
    f"{EPSG}4326": OutputCrs(f"{EPSG}4326", 4490, True, 7),
    f"{EPSG}4547": OutputCrs(f"{EPSG}4547", 4547, True, 2),
    f"{EPSG}3857": OutputCrs(f"{EPSG}3857", 3857, False, 2),
}
CRS_LIST = list(SUPPORTED)
STORAGE_CRS = f"{EPSG}4490"


def parse(value: str | None, field: str = "crs") -> OutputCrs:
    """The CRS named by a URI (or ``EPSG:n`` / ``[EPSG:n]``); CRS84 when absent."""
    if value is None or value == "":
        return SUPPORTED[CRS84]
    v = value.strip().strip("[]")
    if v.upper().startswith("EPSG:"):
        v = EPSG + v[5:]
    elif v.upper() in ("CRS84", "OGC:CRS84"):
        v = CRS84
    v = v.replace("https://", "http://")
    if v not in SUPPORTED:
        raise InvalidParameter(
            f"unsupported CRS {value!r}; use one of: {', '.join(CRS_LIST)}", field=field
        )
    return SUPPORTED[v]


def header(crs: OutputCrs) -> str:
    """The ``Content-Crs`` header value."""
    return f"<{crs.uri}>"
