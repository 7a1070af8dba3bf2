"""Boundary surveys to polygons, and their comparison with a registered parcel.

Every measure here is computed in EPSG:4547 (metres, square metres); inputs and the
polygon returned are EPSG:4490. The area tolerance is the cadastral rule
ΔS = 2 · m · √S (m: mean square error of the worst point class present, S: area).
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely import Geometry, Polygon

from gis.geo import AREA_SRID, STORAGE_SRID, reproject
from gis.survey.accuracy import CLASSES, tolerance_m

CLOSE_GAP_M = 0.001  # a last point this close to the first closes the ring
CLOSURE_TOLERANCE_M = 0.2  # class 3's largest error: a named closing point farther is a gap
CLOSURE_MIN_M = 10.0  # a closing edge under this is never called a gap by length alone
MAX_CROSSINGS = 20
WARNINGS = {"repeated_point"}  # problems that are reported but still give a polygon


@dataclass
class BoundaryPoint:
    name: str | None
    lon: float
    lat: float
    accuracy_class: int | None


def build_polygon(points: list[BoundaryPoint]) -> tuple[Polygon | None, dict[str, Any]]:
    """The closed ring through the ordered points (EPSG:4490) and the checks on it.

    ``checks["problems"]`` names each problem in Chinese and English with its place in
    lon/lat (EPSG:4490): a closure gap, repeated points, crossing edges, no area."""
    xy = _projected(points)
    names = [p.name or str(i) for i, p in enumerate(points, start=1)]
    gap = float(math.dist(xy[0], xy[-1])) if len(xy) > 1 else 0.0
    closed_in_file = len(xy) > 1 and gap < CLOSE_GAP_M
    if closed_in_file:
        xy, names = xy[:-1], names[:-1]  # the file repeats its first point to close the ring
    problems = _closure_problems(xy, names, gap) + _repeated_points(xy, names)
    keep = [i for i in range(len(xy)) if i == 0 or math.dist(xy[i - 1], xy[i]) >= CLOSE_GAP_M]
    xy, names = [xy[i] for i in keep], [names[i] for i in keep]
    checks: dict[str, Any] = {
        "points": len(xy),
        "closure_gap_m": round(gap, 3),
        "closed_in_file": closed_in_file,
        "problems": problems,
    }
    if len(xy) < 3:
        problems.append(
            finding(
                "too_few_points",
                "界址点少于 3 个，无法构面",
                "fewer than 3 distinct boundary points: no polygon",
                *_lonlat(xy[0]),
            )
        )
        checks["ok"] = False
        return None, checks
    ring = Polygon(xy)
    checks["valid"] = bool(ring.is_valid)
    if not ring.is_valid:
        problems.extend(_crossings(xy, names) or [_geos_problem(ring)])
    elif ring.area <= 0:
        problems.append(
            finding("no_area", "界址面面积为零", "the ring has no area", *_lonlat(xy[0]))
        )
    checks["area_m2"] = round(float(ring.area), 2)
    checks["perimeter_m"] = round(float(ring.length), 2)
    checks["clockwise"] = not ring.exterior.is_ccw
    checks["ok"] = all(p["code"] in WARNINGS for p in problems)
    poly = reproject(
        shapely.orient_polygons(ring) if ring.is_valid else ring, AREA_SRID, STORAGE_SRID
    )
    return poly, checks


def finding(
    code: str, zh: str, en: str, lon: float | None = None, lat: float | None = None, **extra: Any
) -> dict[str, Any]:
    """One named problem: a code, Chinese and English text, and where it is (EPSG:4490)."""
    where = (
        {"lon": round(lon, 7), "lat": round(lat, 7)} if lon is not None and lat is not None else {}
    )
    return {"code": code, "zh": zh, "en": en, **where, **extra}


def _lonlat(xy: tuple[float, float]) -> tuple[float, float]:
    """(lon, lat) in EPSG:4490 of a point in EPSG:4547 metres."""
    g = reproject(shapely.Point(xy), AREA_SRID, STORAGE_SRID)
    return float(g.x), float(g.y)


def _at(xy: tuple[float, float]) -> str:
    lon, lat = _lonlat(xy)
    return f"{lon:.6f}, {lat:.6f}"


def _closure_problems(
    xy: list[tuple[float, float]], names: list[str], gap: float
) -> list[dict[str, Any]]:
    """A ring the file meant to close but did not: the last point has the first point's
    name yet lies apart from it, or the closing edge is over twice the longest other edge."""
    if len(xy) < 3 or gap < CLOSE_GAP_M:
        return []
    longest = max(math.dist(a, b) for a, b in itertools.pairwise(xy))
    named_closed = names[0] == names[-1] and gap > CLOSURE_TOLERANCE_M
    if not named_closed and gap <= max(2 * longest, CLOSURE_MIN_M):
        return []
    lon, lat = _lonlat(xy[-1])
    return [
        finding(
            "closure_gap",
            f"界址线未闭合：末点 {names[-1]} 距首点 {names[0]} {gap:,.2f} 米，位于 {_at(xy[-1])}",
            f"the boundary does not close: last point {names[-1]} lies {gap:,.2f} m from the "
            f"first point {names[0]}, at lon/lat {_at(xy[-1])}",
            lon,
            lat,
            gap_m=round(gap, 3),
        )
    ]


def _repeated_points(xy: list[tuple[float, float]], names: list[str]) -> list[dict[str, Any]]:
    out = []
    for i in range(1, len(xy)):
        if math.dist(xy[i - 1], xy[i]) < CLOSE_GAP_M:
            out.append(
                finding(
                    "repeated_point",
                    f"界址点 {names[i]} 与 {names[i - 1]} 重合，位于 {_at(xy[i])}",
                    f"boundary point {names[i]} repeats {names[i - 1]} at lon/lat {_at(xy[i])}",
                    *_lonlat(xy[i]),
                )
            )
    return out


def _crossings(xy: list[tuple[float, float]], names: list[str]) -> list[dict[str, Any]]:
    """Each pair of non-adjacent edges of the ring that touch or cross, with where (lon/lat)."""
    n = len(xy)
    edges = [shapely.LineString([xy[i], xy[(i + 1) % n]]) for i in range(n)]
    tree = shapely.STRtree(edges)
    out: list[dict[str, Any]] = []
    for i, edge in enumerate(edges):
        for j in sorted(int(k) for k in tree.query(edge, predicate="intersects")):
            if j <= i or j == i + 1 or (i == 0 and j == n - 1):
                continue
            where = edge.intersection(edges[j]).representative_point()
            a = f"{names[i]}–{names[(i + 1) % n]}"
            b = f"{names[j]}–{names[(j + 1) % n]}"
            out.append(
                finding(
                    "self_intersection",
                    f"界址线自相交：边 {a} 与边 {b} 相交于 {_at((where.x, where.y))}",
                    f"the boundary crosses itself: edges {a} and {b} meet at lon/lat "
                    f"{_at((where.x, where.y))}",
                    *_lonlat((where.x, where.y)),
                    edges=[a, b],
                )
            )
            if len(out) >= MAX_CROSSINGS:
                return out
    return out


def _geos_problem(ring: Polygon) -> dict[str, Any]:
    """An invalid ring that no edge test explains: GEOS's reason, its place in lon/lat."""
    reason = shapely.is_valid_reason(ring)
    match = re.search(r"\[([-\d.eE+]+) ([-\d.eE+]+)\]", reason)
    text = reason.split("[")[0]
    if match is None:
        return finding("invalid_ring", f"界址面无效：{text}", f"the boundary is invalid: {text}")
    xy = (float(match.group(1)), float(match.group(2)))
    return finding(
        "invalid_ring",
        f"界址面无效：{text}，位于 {_at(xy)}",
        f"the boundary is invalid: {text} at lon/lat {_at(xy)}",
        *_lonlat(xy),
    )


def _projected(points: list[BoundaryPoint]) -> list[tuple[float, float]]:
    geoms = shapely.points(np.array([(p.lon, p.lat) for p in points], dtype=float))
    out = [reproject(g, STORAGE_SRID, AREA_SRID) for g in geoms]
    return [(g.x, g.y) for g in out]


def compare(
    points: list[BoundaryPoint], survey_4490: Geometry, registered_4490: Geometry
) -> dict[str, Any]:
    """Per-point displacement, area difference and a verdict against the class tolerances."""
    reg = reproject(registered_4490, STORAGE_SRID, AREA_SRID)
    surveyed = reproject(survey_4490, STORAGE_SRID, AREA_SRID)
    vertices = shapely.points(shapely.get_coordinates(reg))
    rows = []
    for p, (x, y) in zip(points, _projected(points), strict=True):
        here = shapely.Point(x, y)
        nearest = float(shapely.distance(here, vertices).min())
        tol = tolerance_m(p.accuracy_class)
        rows.append(
            {
                "name": p.name,
                "accuracy_class": p.accuracy_class,
                "to_nearest_vertex_m": round(nearest, 3),
                "to_boundary_m": round(float(here.distance(reg.boundary)), 3),
                "tolerance_m": tol,
                "within": nearest <= tol,
            }
        )
    worst = max((p.accuracy_class or 3 for p in points), default=3)
    area_s, area_r = float(surveyed.area), float(reg.area)
    area_tol = 2 * CLASSES[worst].mse_m * math.sqrt(max(area_r, 0.0))
    area_ok = abs(area_s - area_r) <= area_tol
    points_ok = all(r["within"] for r in rows)
    consistent = points_ok and area_ok
    return {
        "points": rows,
        "points_outside_tolerance": sum(not r["within"] for r in rows),
        "survey_area_m2": round(area_s, 2),
        "registered_area_m2": round(area_r, 2),
        "area_difference_m2": round(area_s - area_r, 2),
        "area_tolerance_m2": round(area_tol, 2),
        "area_within_tolerance": area_ok,
        "overlap_ratio": round(float(surveyed.intersection(reg).area / max(area_r, 1e-9)), 4),
        "verdict": "consistent" if consistent else "correction_needed",
        "verdict_zh": "与登记一致" if consistent else "界址需更正",
    }
