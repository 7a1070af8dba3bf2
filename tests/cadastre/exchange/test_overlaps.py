"""The in-memory overlap check of the bulk import (pure functions, no database)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from cadastre.exchange import overlaps
from cadastre.exchange.validate import as_multipolygons

D = 0.001  # degrees, about 100 m at 22.5°N


def _box(x: float, y: float, w: float = D, h: float = D) -> shapely.Geometry:
    return shapely.box(113.0 + x, 22.5 + y, 113.0 + x + w, 22.5 + y + h)


def _pairs(geoms: list[shapely.Geometry], tol: float = 0.01) -> set[tuple[int, int]]:
    a, b = overlaps.overlapping_pairs(np.asarray(geoms, dtype=object), tol)
    return set(zip(a.tolist(), b.tolist(), strict=True))


@pytest.mark.parametrize("at_once", [10_000, 2])  # pairs in one slice, or spread
def test_only_interiors_that_meet_beyond_the_tolerance(monkeypatch, at_once) -> None:
    monkeypatch.setattr(overlaps, "PAIRS_SLICE", at_once)
    geoms = [
        _box(0, 0),  # 0
        _box(D, 0),  # 1: shares an edge with 0
        _box(1.5 * D, 0),  # 2: overlaps 1 by half
        _box(10 * D, 0),  # 3: alone
        _box(10.2 * D, 0.2 * D, 0.1 * D, 0.1 * D),  # 4: inside 3
        _box(20 * D, 0),  # 5
        _box(21 * D - 1e-10, 0),  # 6: overlaps 5 by a sliver of about 0.001 m²
        _box(30 * D, 0),  # 7: the same parcel twice
        _box(30 * D, 0),  # 8
    ]
    assert _pairs(geoms) == {(1, 2), (3, 4), (7, 8)}


def test_tolerance_is_in_square_metres() -> None:
    geoms = [_box(0, 0), _box(0.99 * D, 0)]  # 0.01 D x D: about 100 m² in EPSG:4547
    assert _pairs(geoms, tol=50.0) == {(0, 1)}
    assert _pairs(geoms, tol=500.0) == set()


def test_fewer_than_two_parcels() -> None:
    assert _pairs([]) == set()
    assert _pairs([_box(0, 0)]) == set()


def test_areas_in_square_metres() -> None:
    area = overlaps.areas_m2(np.asarray([_box(0, 0)], dtype=object))[0]
    assert 10_000 < area < 12_000  # about 103 m x 111 m


def test_polygons_become_multipolygons_in_place() -> None:
    multi = shapely.MultiPolygon([_box(0, 0), _box(2 * D, 0)])
    out = as_multipolygons(np.asarray([_box(0, 0), multi, _box(D, 0)], dtype=object))
    assert list(shapely.get_type_id(out)) == [6, 6, 6]
    assert out[1] is multi
    assert shapely.equals(out[2], shapely.MultiPolygon([_box(D, 0)]))


@pytest.mark.parametrize("rows", [1, 2, 3, 100])
def test_strips_find_the_same_pairs_once(rows) -> None:
    """Cut into strips of a few boxes: a long parcel crossing many strips, touching and
    overlapping neighbours on strip edges; every pair once, as in one pass."""
    geoms = [
        _box(0, 0),
        _box(D, 0),
        _box(1.5 * D, 0),  # overlaps 1
        _box(0, 2 * D, 12 * D, D),  # long, overlaps 4 and 5
        _box(3 * D, 2.5 * D),
        _box(11 * D, 2.2 * D),
        _box(30 * D, 0),
        _box(30 * D, 0),  # the same parcel twice
    ]
    arr = np.asarray(geoms, dtype=object)
    a, b = overlaps.overlapping_pairs_in_strips(
        shapely.to_wkb(arr), shapely.bounds(arr), 0.01, rows=rows
    )
    got = list(zip(a.tolist(), b.tolist(), strict=True))
    assert sorted(got) == sorted(_pairs(geoms)) == [(1, 2), (3, 4), (3, 5), (6, 7)]
