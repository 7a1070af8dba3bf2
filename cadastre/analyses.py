"""Planners' province-wide analyses of the register (issue #15), answered by PostGIS.

Three analyses, all of current parcels (``end_lifespan IS NULL``) and of the plan edition
in force, areas in m² in EPSG:4547 (CGCS2000 / 3-degree Gauss-Kruger CM 114E, the
register's projected CRS), grouped by district = cadastral zone (地籍区, the first nine
characters of the subzone code: county + 3 digits) and first-level GB/T 21010 class
(the first two characters of ``land_use``):

- ``area-by-use``: parcels and area per district and land-use class;
- ``overlay``: area of parcels × land-use zoning zones (``layer = 'zoning'``) per
  district, class and zone code (the intersection, so a parcel split by a zone boundary
  counts in both);
- ``farmland-in-boundary``: area of farmland (class 01 耕地) inside the urban development
  boundary (the union of its zones) per district.

The same answers computed on a Dask cluster are in :mod:`cadastre.analyses_dask`; the
tests require both to agree.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

PROJECTED = 4547
DISTRICT = "left(p.subzone_code, 9)"
CLASS = "left(p.land_use, 2)"
FARMLAND = "01"
CURRENT = "p.end_lifespan IS NULL"
IN_FORCE = "z.edition_id = (SELECT id FROM plan_edition WHERE in_force)"

Key = tuple[str, ...]
Result = dict[Key, float]

AREA_BY_USE = f"""
SELECT {DISTRICT} AS district, {CLASS} AS class,
       sum(ST_Area(ST_Transform(p.geom, {PROJECTED}))) AS area
FROM parcel p WHERE {CURRENT} GROUP BY 1, 2
"""

OVERLAY = f"""
SELECT {DISTRICT} AS district, {CLASS} AS class, z.code,
       sum(ST_Area(ST_Transform(ST_Intersection(p.geom, z.geom), {PROJECTED}))) AS area
FROM parcel p JOIN plan_zone z ON z.layer = 'zoning' AND {IN_FORCE}
 AND ST_Intersects(p.geom, z.geom)
WHERE {CURRENT} GROUP BY 1, 2, 3
"""

FARMLAND_IN_BOUNDARY = f"""
WITH b AS (SELECT ST_Union(z.geom) AS g FROM plan_zone z
           WHERE z.layer = 'development_boundary' AND {IN_FORCE})
SELECT {DISTRICT} AS district,
       sum(ST_Area(ST_Transform(ST_Intersection(p.geom, b.g), {PROJECTED}))) AS area
FROM parcel p, b
WHERE {CURRENT} AND {CLASS} = '{FARMLAND}' AND ST_Intersects(p.geom, b.g)
GROUP BY 1
"""

SQL = {"area-by-use": AREA_BY_USE, "overlay": OVERLAY, "farmland-in-boundary": FARMLAND_IN_BOUNDARY}


def run(session: Session, name: str) -> Result:
    """One analysis in PostGIS: {(district, [class, [zone code]]): area m²}."""
    rows = session.execute(text(SQL[name])).all()
    return {tuple(str(v) for v in r[:-1]): float(r[-1] or 0.0) for r in rows}


def same(a: Result, b: Result, rel: float = 1e-6, abs_m2: float = 0.01) -> list[str]:
    """Where two answers differ beyond rounding (empty: they agree)."""
    out = []
    for key in sorted(set(a) | set(b)):
        x, y = a.get(key, 0.0), b.get(key, 0.0)
        if abs(x - y) > max(abs_m2, rel * max(abs(x), abs(y))):
            out.append(f"{'/'.join(key)}: {x:.2f} != {y:.2f}")
    return out


def table(result: Result) -> list[dict[str, Any]]:
    """Rows for printing, largest area first."""
    return [
        {"key": "/".join(k), "area_m2": round(v, 2)}
        for k, v in sorted(result.items(), key=lambda kv: -kv[1])
    ]
