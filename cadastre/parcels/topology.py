"""Topology rules of the register, checked in PostGIS.

Each rule raises :class:`gis.errors.InvalidInput` naming the field at fault and, where
there is one, the location (lon/lat, EPSG:4490). Invalid geometries are refused with
the reason from ``ST_IsValidDetail``, never repaired. Areas are m² in EPSG:4547.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import shapely
from shapely.geometry import shape
from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from gis.errors import InvalidInput
from gis.geo import STORAGE_SRID
from gis.limits import check_geometry
from gis.settings import get_settings


def ewkb_from_geojson(geojson: Any, field: str = "geometry") -> str:
    """Hex EWKB (SRID 4490) of a GeoJSON Polygon/MultiPolygon given in lon/lat."""
    if not isinstance(geojson, dict):
        raise InvalidInput("a GeoJSON Polygon or MultiPolygon object is required", field=field)
    if geojson.get("type") not in ("Polygon", "MultiPolygon"):
        raise InvalidInput(
            f"geometry type {geojson.get('type')!r} is not a Polygon or MultiPolygon", field=field
        )
    check_geometry(geojson, field)
    try:
        geom = shape(geojson)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.ShapelyError) as exc:
        raise InvalidInput(f"unreadable GeoJSON geometry: {exc}", field=field) from None
    if geom.is_empty:
        raise InvalidInput("the geometry is empty", field=field)
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InvalidInput(
            "coordinates must be longitude/latitude in EPSG:4490 (CGCS2000)", field=field
        )
    return str(shapely.to_wkb(shapely.set_srid(geom, STORAGE_SRID), hex=True, include_srid=True))


VALID_SQL = """
SELECT d.valid, d.reason, ST_X(d.location) AS x, ST_Y(d.location) AS y,
       ST_Area(ST_Transform(g, 4547)) AS area
FROM (SELECT CAST(:g AS geometry) AS g) s, ST_IsValidDetail(s.g) d
"""


def check_valid(session: Session, ewkb: str, field: str = "geometry") -> None:
    """Refuse an invalid (or zero-area) geometry with the reason and location."""
    row = session.execute(text(VALID_SQL), {"g": ewkb}).one()
    if not row.valid:
        where = [row.x, row.y] if row.x is not None else None
        at = f" at lon {row.x:.7f}, lat {row.y:.7f}" if where else ""
        raise InvalidInput(f"invalid geometry: {row.reason}{at}", field=field, location=where)
    if row.area <= 0:
        raise InvalidInput("the geometry has no area", field=field)


OVERLAP_SQL = """
SELECT unit_code, area, ST_X(pt) AS x, ST_Y(pt) AS y FROM (
  SELECT p.unit_code, ST_Area(ST_Transform(i.g, 4547)) AS area, ST_PointOnSurface(i.g) AS pt
  FROM parcel p, (SELECT CAST(:g AS geometry) AS g) n,
       LATERAL (SELECT ST_Intersection(p.geom, n.g) AS g) i
  WHERE p.end_lifespan IS NULL AND ST_Intersects(p.geom, n.g) AND NOT (p.id IN :exclude)
) o WHERE area > :tol ORDER BY area DESC LIMIT 5
"""


def check_no_overlap(
    session: Session, ewkb: str, exclude: list[int], field: str = "geometry"
) -> None:
    """Refuse a geometry overlapping any current parcel (except ``exclude``) beyond tolerance."""
    tol = get_settings().overlap_tolerance_m2
    sql = text(OVERLAP_SQL).bindparams(bindparam("exclude", expanding=True))
    rows = session.execute(sql, {"g": ewkb, "exclude": exclude or [-1], "tol": tol}).all()
    if rows:
        first = rows[0]
        raise InvalidInput(
            f"overlaps current parcel {first.unit_code} by {first.area:.2f} m² "
            f"(tolerance {tol} m²) at lon {first.x:.7f}, lat {first.y:.7f}",
            field=field,
            location=[first.x, first.y],
            overlaps=[r.unit_code for r in rows],
        )


COVER_SQL = """
WITH parts AS (SELECT CAST(g AS geometry) AS g FROM unnest(CAST(:parts AS text[])) g),
u AS (SELECT ST_Union(g) AS g, sum(ST_Area(ST_Transform(g, 4547))) AS total FROM parts),
p AS (SELECT CAST(:parent AS geometry) AS g)
SELECT ST_Area(ST_Transform(ST_SymDifference(u.g, p.g), 4547)) AS diff,
       u.total - ST_Area(ST_Transform(u.g, 4547)) AS inner_overlap,
       ST_X(ST_PointOnSurface(ST_SymDifference(u.g, p.g))) AS x,
       ST_Y(ST_PointOnSurface(ST_SymDifference(u.g, p.g))) AS y
FROM u, p
"""


def check_covers_parent(
    session: Session, parent: str, parts: list[str], field: str = "parts"
) -> None:
    """The parts of a split must not overlap each other and must cover the parent exactly."""
    settings = get_settings()
    row = session.execute(text(COVER_SQL), {"parent": parent, "parts": parts}).one()
    if Decimal(str(row.inner_overlap)) > settings.overlap_tolerance_m2:
        raise InvalidInput(
            f"the parts overlap each other by {row.inner_overlap:.2f} m²", field=field
        )
    if Decimal(str(row.diff)) > settings.area_tolerance_m2:
        where = [row.x, row.y] if row.x is not None else None
        raise InvalidInput(
            f"the parts differ from the parent by {row.diff:.2f} m² "
            f"(tolerance {settings.area_tolerance_m2} m²)",
            field=field,
            location=where,
        )


SPLIT_SQL = """
SELECT encode(ST_AsEWKB(d.geom), 'hex') AS ewkb
FROM ST_Dump(ST_Split(ST_CollectionExtract(CAST(:parent AS geometry), 3),
                      CAST(:line AS geometry))) d
ORDER BY ST_Y(ST_PointOnSurface(d.geom)) DESC, ST_X(ST_PointOnSurface(d.geom))
"""


def split_by_line(session: Session, parent: str, line: Any, field: str = "line") -> list[str]:
    """Cut ``parent`` (hex EWKB) with a GeoJSON LineString; the parts, north-west first."""
    if not isinstance(line, dict) or line.get("type") not in ("LineString", "MultiLineString"):
        raise InvalidInput("the cutting line must be a GeoJSON LineString", field=field)
    try:
        geom = shape(line)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.ShapelyError) as exc:
        raise InvalidInput(f"unreadable cutting line: {exc}", field=field) from None
    blade = shapely.to_wkb(shapely.set_srid(geom, STORAGE_SRID), hex=True, include_srid=True)
    parts = [r.ewkb for r in session.execute(text(SPLIT_SQL), {"parent": parent, "line": blade})]
    if len(parts) < 2:
        raise InvalidInput(
            "the cutting line must cross the parcel from boundary to boundary", field=field
        )
    return parts


UNION_SQL = """
SELECT encode(ST_AsEWKB(ST_Multi(u)), 'hex') AS ewkb, ST_NumGeometries(u) AS pieces
FROM (SELECT ST_UnaryUnion(ST_Collect(CAST(g AS geometry))) AS u
      FROM unnest(CAST(:geoms AS text[])) g) s
"""


def merged(session: Session, geoms: list[str], field: str = "unit_codes") -> str:
    """The union of parcels that must form one piece (touch along a boundary)."""
    row = session.execute(text(UNION_SQL), {"geoms": geoms}).one()
    if row.pieces != 1:
        raise InvalidInput(
            f"the parcels do not all touch along a boundary: their union has {row.pieces} pieces",
            field=field,
        )
    return str(row.ewkb)


ADJUST_SQL = """
WITH u AS (SELECT ST_Union(CAST(:a AS geometry), CAST(:b AS geometry)) AS g),
n AS (SELECT CAST(:new AS geometry) AS g)
SELECT ST_Area(ST_Transform(ST_Difference(n.g, u.g), 4547)) AS outside,
       encode(ST_AsEWKB(ST_Multi(ST_CollectionExtract(ST_Difference(u.g, n.g), 3))), 'hex')
         AS rest,
       ST_Area(ST_Transform(ST_Difference(u.g, n.g), 4547)) AS rest_area,
       ST_Dimension(ST_Intersection(CAST(:a AS geometry), CAST(:b AS geometry))) AS shared
FROM u, n
"""


def adjusted_neighbour(session: Session, a: str, b: str, new_a: str) -> str:
    """Neighbour ``b`` after parcel ``a`` takes the shape ``new_a``: (a ∪ b) − new_a.

    ``a`` and ``b`` must share a boundary line; ``new_a`` must stay inside a ∪ b.
    """
    tol = get_settings().area_tolerance_m2
    row = session.execute(text(ADJUST_SQL), {"a": a, "b": b, "new": new_a}).one()
    if row.shared is None or row.shared < 1:
        raise InvalidInput("the two parcels do not share a boundary", field="neighbour")
    if Decimal(str(row.outside)) > tol:
        raise InvalidInput(
            f"the new boundary leaves the two parcels by {row.outside:.2f} m² "
            f"(tolerance {tol} m²): only their shared boundary may move",
            field="geometry",
        )
    if row.rest_area <= float(tol):
        raise InvalidInput("the neighbour would be left with no land", field="geometry")
    return str(row.rest)
