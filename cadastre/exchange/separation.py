"""Pairs of parcels proved apart without GEOS: a line through an edge of one separates them.

Neighbouring parcels meet along a shared edge, so a bounding-box index pairs every parcel
with its three or four neighbours; deciding each pair with ``relate`` cost ~5 µs (10 s of
CPU per million parcels). Most pairs are settled by plain arithmetic over all of them at
once (numpy): if every vertex of A lies on one side of the line through an edge of A or B
and every vertex of B on the other side, within a margin ``d``, then A and B meet at most
in a strip of width ``2d`` along that line (each lies in the convex hull of its vertices),
so their common area is at most ``2d`` times the diameter of A. ``d`` is chosen per parcel
so that this area is below half the tolerance: such a pair can never be an overlap beyond
the tolerance, and the exact check is skipped for it. Pairs not settled (a non-convex
parcel whose edges do not separate it from its neighbour, or a true overlap) go on to
``relate`` as before, so the verdicts do not change. The edge of A facing B (where B's
vertices lie farthest beyond) is tried first, and either way round; every edge only for
the few pairs left (neighbours meeting at a corner). On the 1M-parcel bench file 86% of
the pairs are settled (the rest involve a non-convex parcel) and the check takes ~6.5 s
of CPU per million parcels instead of ~10-12 s.

Coordinates are EPSG:4490 degrees. Differences of coordinates in one binary exponent range
are exact, and the products that follow carry relative errors near 1e-16, far below the
margin (about 1e-10 degrees for a 100 m parcel and a 0.01 m² tolerance).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import shapely

# m² of EPSG:4547 per square degree, at most, before the Gauss-Krüger scale factor: a
# degree of longitude is at most 111.32 km, one of latitude at most 111.70 km
M2_PER_DEG2 = 111_320.0 * 111_700.0 * 1.02
CENTRAL_MERIDIAN = 114.0  # of EPSG:4547
SIZES = (8, 12, 16, 24)  # vertices per parcel padded to one of these; larger: not settled
SLICE = 20_000  # pairs per numpy pass (bounds the temporary arrays to ~40 MB)


Test = Callable[[int, np.ndarray, int, np.ndarray], np.ndarray]


class Outlines:
    """The vertices of each polygon padded to a few fixed sizes, with, per edge, the side
    of its line the polygon lies on (+1 left, -1 right, 0 neither) and the margin. Arrays
    are (vertex or edge, polygon): numpy's loops then run along the polygons."""

    def __init__(self, geoms: np.ndarray, tol_m2: float) -> None:
        n = len(geoms)
        coords, owner = shapely.get_coordinates(geoms, return_index=True)
        counts = np.bincount(owner, minlength=n)
        self.size = np.zeros(n, np.int8)  # index into SIZES + 1; 0: too large to settle
        for k, size in enumerate(reversed(SIZES)):
            self.size[counts <= size] = len(SIZES) - k
        self.size[counts < 4] = 0
        margin = _margins(shapely.bounds(geoms), tol_m2)
        self.at = np.zeros(n, np.int64)  # column of each polygon in its size's arrays
        self.x: list[np.ndarray] = []  # per size: (size, members) coordinates
        self.y: list[np.ndarray] = []
        self.sides: list[np.ndarray] = []  # per size: (size - 1, members)
        self.slack: list[np.ndarray] = []  # margin times the edge's length
        self.length: list[np.ndarray] = []
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        for k, size in enumerate(SIZES, start=1):
            members = np.flatnonzero(self.size == k)
            self.at[members] = np.arange(len(members))
            # pad with the closing vertex: repeated vertices make empty edges, side 0
            pos = np.minimum(np.arange(size)[:, None], counts[members] - 1) + starts[members]
            x, y = coords[pos, 0], coords[pos, 1]
            side, slack, length = _sides(x, y, margin[members])
            for kept, arr in zip(
                (self.x, self.y, self.sides, self.slack, self.length),
                (x, y, side, slack, length),
                strict=True,
            ):
                kept.append(arr)

    def apart(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Per pair: True when a line through an edge of either polygon keeps their common
        area below half the tolerance (False: not settled here)."""
        out = np.zeros(len(a), bool)
        for lo in range(0, len(a), SLICE):
            part = slice(lo, lo + SLICE)
            # first the edge facing the other polygon (an edge neighbour's shared edge),
            # then every edge for the few left (corner neighbours)
            for test in (self._facing_edge, self._any_edge):
                for x, y in ((a, b), (b, a)):
                    rest = np.flatnonzero(~out[part]) + lo
                    out[rest] = self._by_sizes(test, x[rest], y[rest])
        return out

    def _by_sizes(self, test: Test, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = np.zeros(len(a), bool)
        sa, sb = self.size[a], self.size[b]
        for ka in range(1, len(SIZES) + 1):
            for kb in range(1, len(SIZES) + 1):
                idx = np.flatnonzero((sa == ka) & (sb == kb))
                if len(idx):
                    out[idx] = test(ka - 1, self.at[a[idx]], kb - 1, self.at[b[idx]])
        return out

    def _any_edge(self, ka: int, ra: np.ndarray, kb: int, rb: np.ndarray) -> np.ndarray:
        """Whether the line of some edge of polygons ``ra`` (of size index ``ka``) has all
        the vertices of ``rb`` on its other side."""
        cross, _ = _crosses(
            self.x[ka][:, ra], self.y[ka][:, ra], self.x[kb][:, rb], self.y[kb][:, rb]
        )
        side = self.sides[ka][:, ra]
        beyond = (side[:, None] * cross <= self.slack[ka][:, None, ra]).all(axis=1)
        return ((side != 0) & beyond).any(axis=0)  # type: ignore[no-any-return]

    def _facing_edge(self, ka: int, ra: np.ndarray, kb: int, rb: np.ndarray) -> np.ndarray:
        """Whether the edge of ``ra`` that faces ``rb`` the most (the one the mean of
        ``rb``'s vertices lies farthest beyond) separates them."""
        ax, ay = self.x[ka][:, ra], self.y[ka][:, ra]
        bx, by = self.x[kb][:, rb], self.y[kb][:, rb]
        side = self.sides[ka][:, ra]
        ex, ey = ax[1:] - ax[:-1], ay[1:] - ay[:-1]
        mx, my = bx.mean(axis=0) - ax[:-1], by.mean(axis=0) - ay[:-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            beyond = -side * (ex * my - ey * mx) / self.length[ka][:, ra]
        beyond[side == 0] = -np.inf
        e, col = beyond.argmax(axis=0), np.arange(len(ra))
        x0, y0, ex, ey = ax[e, col], ay[e, col], ex[e, col], ey[e, col]
        cross = (by - y0) * ex - (bx - x0) * ey
        s = side[e, col]
        return (s != 0) & (s * cross <= self.slack[ka][e, ra]).all(axis=0)  # type: ignore[no-any-return]


def _sides(x: np.ndarray, y: np.ndarray, margin: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per edge of rings (k, m): the side of its line the ring's vertices lie on, within
    ``margin`` (+1 left, -1 right, 0 neither or an empty edge), the margin times the edge's
    length, and the length; in slices of :data:`SLICE` rings."""
    side = np.zeros((x.shape[0] - 1, x.shape[1]), np.int8)
    slack, length = np.zeros(side.shape), np.zeros(side.shape)
    for lo in range(0, x.shape[1], SLICE):
        part = slice(lo, lo + SLICE)
        cross, length[:, part] = _crosses(x[:, part], y[:, part], x[:, part], y[:, part])
        slack[:, part] = margin[part] * length[:, part]
        left = cross.min(axis=1) >= -slack[:, part]
        right = cross.max(axis=1) <= slack[:, part]
        side[:, part] = np.where(left, 1, np.where(right, -1, 0))
    side[length == 0] = 0
    return side, slack, length


def _crosses(
    rx: np.ndarray, ry: np.ndarray, px: np.ndarray, py: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For rings of (k, m) x and y and points of (j, m) x and y: the cross product of each
    edge of the ring with each point taken from the edge's start, (k - 1, j, m) (positive:
    the point lies left of the edge; its distance times the edge's length), and the edges'
    lengths (k - 1, m)."""
    x0, y0 = rx[:-1, None], ry[:-1, None]
    ex = rx[1:] - rx[:-1]
    ey = ry[1:] - ry[:-1]
    cross = (py[None] - y0) * ex[:, None]
    cross -= (px[None] - x0) * ey[:, None]
    return cross, np.hypot(ex, ey)


def _margins(bounds: np.ndarray, tol_m2: float) -> np.ndarray:
    """Per polygon, the distance in degrees from an edge's line that keeps the strip's area
    (2 × margin × diameter, in EPSG:4547 m²) under half the tolerance. The scale factor of
    the transverse Mercator grows as 1 / (1 - B²), B = cos(lat) sin(lon - 114°) (sphere);
    bounds (n, 4) in EPSG:4490."""
    west, south, east, north = bounds.T
    far = np.maximum(np.abs(west - CENTRAL_MERIDIAN), np.abs(east - CENTRAL_MERIDIAN))
    lat = np.where(south * north <= 0, 0.0, np.minimum(np.abs(south), np.abs(north)))
    b = np.cos(np.radians(lat)) * np.sin(np.radians(np.minimum(far, 89.0)))
    scale = 1.02 / np.maximum(1.0 - b * b, 1e-12)
    diameter = np.hypot(east - west, north - south)
    with np.errstate(divide="ignore", invalid="ignore"):
        margin = tol_m2 / (4.0 * M2_PER_DEG2 * scale * diameter)
    return np.where(np.isfinite(margin) & (b < 0.9), margin, 0.0)
