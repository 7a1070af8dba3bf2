"""The demo district's shape (:mod:`gis.demo_shape`): roads that are not all a straight
grid (a diagonal avenue, roads bending with the river), a river clear of every parcel,
a plan whose zones follow the blocks' uses, and no fold anywhere (blocks still tile)."""

from __future__ import annotations

import math
import time

import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.demo import ROTATION_DEG, DemoDistrict
from gis.demo_look import AVENUE
from gis.demo_shape import RIVER_WIDTH_M, river_polygon
from gis.landuse import first_level


def _bearing(line: np.ndarray) -> float:
    """Degrees from the district's north-south axis of a line's chord (EPSG:4547)."""
    dx, dy = line[-1] - line[0]
    return math.degrees(math.atan2(dx, dy)) + ROTATION_DEG


def _bulge(line: np.ndarray) -> float:
    """Metres the line strays from its chord at most."""
    return float(shapely.LineString(line[[0, -1]]).hausdorff_distance(shapely.LineString(line)))


def test_no_fold_blocks_keep_their_order() -> None:
    """The bend's Jacobian is positive over the whole district: a block never turns over."""
    district = DemoDistrict(5000)
    bend, h = district.bend, 1.0
    xs, ys = np.meshgrid(np.linspace(0, district.width, 80), np.linspace(0, district.height, 80))
    p = np.stack([xs, ys], axis=-1)
    dx = (bend(p + [h, 0]) - bend(p - [h, 0])) / (2 * h)
    dy = (bend(p + [0, h]) - bend(p - [0, h])) / (2 * h)
    jac = dx[..., 0] * dy[..., 1] - dx[..., 1] * dy[..., 0]
    assert jac.min() > 0.5  # no block squeezed below half its area


def test_a_diagonal_avenue_and_roads_bending_with_the_river() -> None:
    roads = DemoDistrict(5000).roads()
    avenue = next(r for r in roads if r.name == AVENUE)
    assert abs(_bearing(avenue.extra["line"])) > 10  # the grid's roads lean 0 degrees
    assert avenue.extra["class"] == "main"
    ew = [r for r in roads if r.code.startswith("EW")]
    assert max(_bulge(r.extra["line"]) for r in ew) > 30  # swings with the river
    assert min(_bulge(r.extra["line"]) for r in ew) < 1  # far roads stay straight


def test_river_runs_through_clear_of_every_block() -> None:
    district = DemoDistrict(5000)
    river = river_polygon(district.bend, district.to_world)
    blocks = [b.polygon for b, _ in district.blocks()]
    assert not any(river.intersects(b) for b in blocks)
    across = shapely.union_all([z.polygon for z in district.zones()])
    assert river.intersection(across).area > RIVER_WIDTH_M * district.width * 0.9
    assert shapely.difference(across, river).geom_type == "MultiPolygon"  # cut in two


def test_plan_zones_follow_the_blocks() -> None:
    from gis.demo_plan import plan_zones

    district = DemoDistrict(5000)
    zoning = [z for z in plan_zones(district) if z.extra["layer"] == "zoning"]
    tree = shapely.STRtree([z.polygon for z in zoning])
    agree = total = 0
    for block, parcels in district.blocks():
        inner = block.polygon.point_on_surface()
        hits = [zoning[i] for i in tree.query(inner, predicate="within")]
        total += 1
        agree += len(hits) == 1 and hits[0].extra["code"] == first_level(parcels[0].land_use)
    assert agree == total
    assert any(z.extra["code"] == "11" and "东江" in z.name for z in zoning)


def test_five_thousand_parcels_in_seconds() -> None:
    start = time.perf_counter()
    count = sum(len(ps) for _, ps in DemoDistrict(5000).blocks())
    assert count == 5000 and time.perf_counter() - start < 5


def test_loaded_river_and_roads_clear_of_parcels(db: Session) -> None:
    row = db.execute(
        text(
            "SELECT (SELECT count(*) FROM water WHERE kind = 'river'), "
            "(SELECT count(*) FROM parcel p JOIN water w ON ST_Intersects(p.geom, w.geom)), "
            "(SELECT count(DISTINCT name) FROM road)"
        )
    ).one()
    assert row[0] == 1 and row[1] == 0 and row[2] > 10
