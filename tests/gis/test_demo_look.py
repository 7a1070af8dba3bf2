"""The demo district reads like a piece of Dongguan: village plots irregular yet tiling
their blocks, villages inside the city (城中村) and fish ponds on the river banks,
镇街/社区/村 and road names."""

from __future__ import annotations

import math

import shapely
from shapely.geometry import Polygon

from gis import demo_look as demo
from gis.demo import DemoDistrict


def _uses(n: int) -> list[tuple[int, int, str]]:
    """(row, col, land use) of every block of a district of ``n`` parcels."""
    district = DemoDistrict(n)
    return [
        (*divmod(i, district.cols), district.block_use(i)[0])
        for i in range(len(district.block_counts))
    ]


def test_villages_inside_the_city_and_ponds_on_the_banks() -> None:
    district = DemoDistrict(5000)
    urban_villages = ponds_by_river = 0
    for row, col, use in _uses(5000):
        radius = district.radius(row, col)
        if use == "0702" and 0.35 <= radius < 0.72:
            urban_villages += 1  # drawn only in the outer ring before
        assert district.river_row is not None
        if use == "1104" and row in (district.river_row - 1, district.river_row):
            ponds_by_river += 1
    assert urban_villages >= 10 and ponds_by_river >= 5
    assert [b.extra["land_use"] for b, _ in district.blocks()] == [u for *_, u in _uses(5000)]


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


def test_roads_are_named_after_places() -> None:
    roads = DemoDistrict(5000).roads()
    names = [r.name for r in roads]
    assert all(names) and not any("号路" in n for n in names)
    assert demo.AVENUE in names
    assert len(set(names)) >= len(names) * 0.8  # a few names repeat on long grids
    assert {n[-1] for n in names} <= {"路", "街", "道"}
