"""The arithmetic filter of the in-file overlap check settles pairs, never an overlap."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from cadastre.exchange import overlaps
from cadastre.exchange.separation import Outlines

D = 0.001  # degrees, about 100 m at 22.5°N
TOL = 0.01  # m², the default tolerance


def _exact(geoms: np.ndarray, a: np.ndarray, b: np.ndarray, tol: float) -> np.ndarray:
    """The verdict of the check without the filter: interiors meet beyond ``tol`` m²."""
    meet = shapely.relate_pattern(geoms[a], geoms[b], "T********")
    area = np.zeros(len(a))
    if meet.any():
        area[meet] = overlaps.areas_m2(shapely.intersection(geoms[a[meet]], geoms[b[meet]]))
    return meet & (area > tol)


def _pairs(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = shapely.STRtree(geoms).query(geoms)
    keep = a < b
    return a[keep], b[keep]


def _grid(rows: int, cols: int, jitter: np.ndarray) -> np.ndarray:
    """A cadastral grid of quadrilaterals sharing their corners (a clean coverage): every
    inner corner moved by ``jitter`` (fractions of a cell)."""
    xs = 113.0 + D * (np.arange(cols + 1)[None, :] + jitter[: rows + 1, : cols + 1, 0])
    ys = 22.5 + D * (np.arange(rows + 1)[:, None] + jitter[: rows + 1, : cols + 1, 1])
    cells = []
    for r in range(rows):
        for c in range(cols):
            ring = [(r, c), (r, c + 1), (r + 1, c + 1), (r + 1, c), (r, c)]
            cells.append(shapely.Polygon([(xs[i, j], ys[i, j]) for i, j in ring]))
    return np.asarray(shapely.multipolygons(cells, indices=np.arange(len(cells))), dtype=object)


def test_a_clean_coverage_is_settled_without_geos() -> None:
    """Every pair of neighbours in a grid of convex parcels is proved apart, so relate
    never runs for it: the filter is what makes the check fast."""
    rng = np.random.default_rng(7)
    jitter = rng.uniform(-0.2, 0.2, (11, 11, 2))
    jitter[[0, -1]] = jitter[:, [0, -1]] = 0.0
    geoms = _grid(10, 10, jitter)
    a, b = _pairs(geoms)
    assert len(a) > 300  # edge and corner neighbours
    assert Outlines(geoms, TOL).apart(a, b).all()
    assert not _exact(geoms, a, b, TOL).any()


def test_a_sliver_beyond_the_tolerance_is_left_to_the_exact_check() -> None:
    """Two 100 m squares overlapping by a sliver of about 0.03 m² (0.3 mm deep): beyond a
    0.01 m² tolerance, so the filter must not settle the pair; below 0.1 m² it may."""
    depth = 0.0003 / 111_000  # degrees of longitude for 0.3 mm, about
    left = shapely.box(113.0, 22.5, 113.0 + D, 22.5 + D)
    right = shapely.box(113.0 + D - depth, 22.5, 113.0 + 2 * D - depth, 22.5 + D)
    geoms = np.asarray([left, right], dtype=object)
    a, b = np.array([0]), np.array([1])
    assert _exact(geoms, a, b, TOL).all()
    assert not Outlines(geoms, TOL).apart(a, b).any()
    assert Outlines(geoms, 10.0).apart(a, b).all()  # far below a 10 m² tolerance
    assert overlaps.overlapping_pairs(geoms, TOL)[0].tolist() == [0]


def test_a_neighbour_in_a_notch_is_left_to_the_exact_check() -> None:
    """An L-shaped parcel with a square in its notch: no edge line separates them (the L is
    not convex), so relate decides, and finds them apart; a square pushed into the L's
    arm overlaps."""
    ell = shapely.Polygon([(0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2)])
    ell = shapely.affinity.translate(shapely.affinity.scale(ell, D, D, origin=(0, 0)), 113, 22.5)
    notch = shapely.box(113 + D, 22.5 + D, 113 + 2 * D, 22.5 + 2 * D)
    pushed = shapely.box(113 + 0.9 * D, 22.5 + D, 113 + 1.9 * D, 22.5 + 2 * D)
    geoms = np.asarray([ell, notch, pushed], dtype=object)
    a, b = np.array([0, 0]), np.array([1, 2])
    assert not Outlines(geoms, TOL).apart(a, b).any()
    assert _exact(geoms, a, b, TOL).tolist() == [False, True]


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    moves=st.lists(
        st.tuples(
            st.integers(0, 35),
            st.floats(-0.6, 0.6),
            st.floats(-0.6, 0.6),
            st.sampled_from([1.0, 1e-3, 1e-6, 1e-9]),
        ),
        max_size=4,
    ),
)
def test_the_filter_never_hides_an_overlap(seed, moves) -> None:
    """A jittered grid whose parcels are then moved by amounts from a cell to a nanometre
    (overlaps from large to far below the tolerance, some parcels made non-convex by a
    corner pulled inwards): a pair the filter settles is never an overlap beyond the
    tolerance, and the check finds the same pairs with the filter as without it."""
    rng = np.random.default_rng(seed)
    geoms = _grid(6, 6, rng.uniform(-0.3, 0.3, (7, 7, 2)))
    for i, dx, dy, scale in moves:
        geoms[i] = shapely.affinity.translate(geoms[i], dx * D * scale, dy * D * scale)
    dent = rng.integers(0, 36)
    ring = shapely.get_coordinates(geoms[dent])
    centre = ring[:-1].mean(axis=0)
    ring[1] = ring[1] + 0.8 * (centre - ring[1]) * rng.uniform(0.5, 1.5)  # may go reflex
    ring[-1] = ring[0]
    geoms[dent] = shapely.MultiPolygon([shapely.Polygon(ring)])
    geoms = geoms[shapely.is_valid(geoms)]
    a, b = _pairs(geoms)
    settled = Outlines(geoms, TOL).apart(a, b)
    assert not (settled & _exact(geoms, a, b, TOL)).any()
    found = set(zip(*(x.tolist() for x in overlaps.overlapping_pairs(geoms, TOL)), strict=True))
    exact = _exact(geoms, a, b, TOL)
    assert found == set(zip(a[exact].tolist(), b[exact].tolist(), strict=True))
