"""Boundary surveys to polygons, and their comparison with a registered parcel.

Every measure here is computed in EPSG:4547 (metres, square metres); inputs and the
polygon returned are EPSG:4490. The area tolerance is the cadastral rule
ΔS = 2 · m · √S (m: mean square error of the worst point class present, S: area).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely import Geometry, Polygon
from shapely.validation import explain_validity

from gis.geo import AREA_SRID, STORAGE_SRID, reproject
from gis.survey.accuracy import CLASSES, tolerance_m

CLOSE_GAP_M = 0.001


@dataclass
class BoundaryPoint:
    name: str | None
    lon: float
    lat: float
    accuracy_class: int | None


def build_polygon(points: list[BoundaryPoint]) -> tuple[Polygon | None, dict[str, Any]]:
    """The closed ring through the ordered points (EPSG:4490) and the checks on it."""
    xy = _projected(points)
    gap = float(math.dist(xy[0], xy[-1])) if len(xy) > 1 else 0.0
    if len(xy) > 1 and gap < CLOSE_GAP_M:
        xy = xy[:-1]  # the file repeats its first point to close the ring
    checks: dict[str, Any] = {
        "points": len(xy),
        "closure_gap_m": round(gap, 3),
        "closed_in_file": gap < CLOSE_GAP_M,
    }
    if len(xy) < 3:
        checks.update(ok=False, problem="fewer than 3 distinct boundary points: no polygon")
        return None, checks
    ring = Polygon(xy)
    checks["valid"] = bool(ring.is_valid)
    checks["self_intersection"] = None if ring.is_valid else explain_validity(ring)
    checks["area_m2"] = round(float(ring.area), 2)
    checks["perimeter_m"] = round(float(ring.length), 2)
    checks["clockwise"] = not ring.exterior.is_ccw
    checks["ok"] = bool(ring.is_valid and ring.area > 0)
    if not checks["ok"]:
        checks["problem"] = checks["self_intersection"] or "the ring has no area"
    poly = reproject(
        shapely.orient_polygons(ring) if ring.is_valid else ring, AREA_SRID, STORAGE_SRID
    )
    return poly, checks


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
