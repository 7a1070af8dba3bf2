"""The demo district reads like a piece of Dongguan without moving what tests rely on:
the same parcels (codes, uses, counts) as before, village plots irregular yet tiling
their blocks, 镇街/社区/村 names, a river and ponds clear of the parcels."""

from __future__ import annotations

import hashlib
import math

import shapely
from shapely.geometry import LineString, Polygon

from gis import demo_look as demo
from gis.demo import DemoDistrict

# digests of the parcels' codes and uses as generated before the village plots (b7ef5ab)
BEFORE = {600: "979a34e5f8d235a4", 5000: "0b87961dd3ff2d05"}


def _digest(n: int) -> str:
    h = hashlib.sha256()
    for block, parcels in DemoDistrict(n).blocks():
        for p in parcels:
            parts = (block.code, p.zone, p.subzone, p.seq, p.land_use, p.ownership, p.right_type)
            h.update(("|".join(map(str, parts)) + ";").encode())
    return h.hexdigest()[:16]


def test_parcels_codes_and_counts_are_unchanged() -> None:
    for n, digest in BEFORE.items():
        assert _digest(n) == digest, n


def _angles(ring: list[tuple[float, float]]) -> list[float]:
    out = []
    for a, b, c in zip(ring[:-1], ring[1:-1] + ring[:1], ring[2:] + ring[1:2], strict=False):
        v1, v2 = (a[0] - b[0], a[1] - b[1]), (c[0] - b[0], c[1] - b[1])
        out.append(
            math.degrees(math.atan2(v1[0] * v2[1] - v1[1] * v2[0], v1[0] * v2[0] + v1[1] * v2[1]))
        )
    return out


def test_village_plots_are_irregular_and_tile_their_block() -> None:
    villages = 0
    for block, parcels in DemoDistrict(5000).blocks():
        if parcels[0].land_use not in demo.VILLAGE_USES:
            continue
        villages += 1
        polys = [Polygon(p.ring) for p in parcels]
        assert all(shapely.is_valid(polys))
        assert abs(shapely.union_all(polys).area - block.polygon.area) < 1e-3  # no gaps
        assert abs(sum(p.area for p in polys) - block.polygon.area) < 1e-3  # no overlaps
        skewed = [a for p in parcels for a in _angles([tuple(x) for x in p.ring[:-1]])]
        assert any(abs(abs(a) - 90) > 2 and abs(abs(a) - 180) > 2 for a in skewed)
    assert villages >= 10


def test_place_names() -> None:
    assert demo.town_label("莞城地籍区") == "莞城街道"
    assert demo.town_label("虎门地籍区") == "虎门镇"
    assert demo.town_label("松山湖地籍区") == "松山湖园区"
    assert demo.town_label("虎门2地籍区") == "虎门2镇"
    assert demo.community_label("441900001001", rural=True).endswith("村")
    assert demo.community_label("441900001001", rural=False).endswith("社区")
    assert demo.community_label("441900001002", False) == demo.community_label(
        "441900001002", False
    )


def test_river_and_ponds_stay_clear_of_the_district() -> None:
    box = (113.74, 23.01, 113.76, 23.03)
    district = shapely.box(*box)
    river = LineString(demo.river_line(box))
    assert not river.intersects(district) and river.length > (box[2] - box[0])
    ponds = [Polygon(ring) for ring in demo.ponds(box)]
    assert len(ponds) == 7 and all(p.is_valid and not p.intersects(district) for p in ponds)
    assert not any(p.intersects(river.buffer(0.0002)) for p in ponds)
    assert demo.river_line(box) == demo.river_line(box)  # deterministic
