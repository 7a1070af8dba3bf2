"""The demo district's shape: the street grid of :mod:`gis.demo` bent into a place.

Two deformations of the grid's local metres, both fixed by the district's size (no
randomness), so the district stays deterministic:

- a fan: one main north-south road is tilted into a diagonal avenue, its neighbours
  tilt less and less with distance (``x`` moves in proportion to ``y``, so every road of
  the fan stays a straight line and every block a trapezoid);
- a meander: the river, laid in a wide gap between two rows of blocks, swings north and
  south, and the east-west roads beside it follow it, less so farther away.

The map is one-to-one (no fold: checked by ``tests/gis/test_demo_shape.py``), so blocks
that tiled the plane still do, and parcels that shared vertices still share them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from shapely.geometry import Polygon

RIVER_GAP_M = 100.0  # the gap between two rows of blocks the river runs in
RIVER_WIDTH_M = 70.0  # the water surface, with an embankment on each side
RIVER_ROW_SHARE = 0.3  # the river runs about this far up the district
FAN_SLOPE = 0.27  # the diagonal avenue's lean (metres east per metre north, ~15 degrees)
FAN_COLUMN_SHARE = 0.4  # the avenue is the main road nearest this share of the width
MEANDER_M = 45.0  # how far the river swings north and south
MEANDER_WAVE_M = 1700.0
MEANDER_REACH_M = 420.0  # roads this far from the river swing about 1/e as much
STEP_M = 20.0  # densify straight lines to this spacing before bending them


@dataclass(frozen=True)
class Bend:
    """The deformation of a district of ``width`` x ``height`` local metres.

    ``fan_x`` is the local x of the diagonal avenue's centre line (None: no fan) and
    ``river_y`` the local y of the river's centre line (None: no river)."""

    width: float
    height: float
    fan_x: float | None
    river_y: float | None

    @property
    def fan_half(self) -> float:
        """Half the width of the fan, wide enough that no block is squeezed below half
        its width: the lean varies by at most FAN_SLOPE over it."""
        return max(self.width, self.height) * 0.55

    def __call__(self, xy: np.ndarray) -> np.ndarray:
        """Local metres (..., 2) to bent local metres (..., 2)."""
        x = np.asarray(xy[..., 0], dtype=float)
        y = np.asarray(xy[..., 1], dtype=float)
        if self.fan_x is not None:
            t = np.clip((x - self.fan_x) / self.fan_half, -1.0, 1.0)
            x = x + FAN_SLOPE * (y - self.height / 2) * _each(math.cos, t * math.pi / 2) ** 2
        if self.river_y is not None:
            reach = _each(math.exp, -(((y - self.river_y) / MEANDER_REACH_M) ** 2))
            y = y + MEANDER_M * _each(math.sin, x / MEANDER_WAVE_M * 2 * math.pi + 0.6) * reach
        return np.stack([x, y], axis=-1)


def _each(fn: Callable[[float], float], values: np.ndarray) -> np.ndarray:
    """``fn`` of each value, one at a time: numpy's vector sin/exp may round the same input
    differently with its position in an array, and a vertex two parcels share must land
    on the very same point in both."""
    flat = np.fromiter((fn(v) for v in values.ravel().tolist()), float, values.size)
    return flat.reshape(values.shape)


def densify(points: np.ndarray, step: float = STEP_M) -> np.ndarray:
    """A polyline (k, 2) with points added so no segment is longer than ``step`` metres;
    a segment gets the same points whichever way it runs."""
    out = [points[:1]]
    for a, b in zip(points[:-1], points[1:], strict=True):
        n = max(1, math.ceil(float(np.hypot(*(b - a))) / step))
        lo, hi = sorted((tuple(a), tuple(b)))  # a side two cells share gets the same points
        t = np.arange(0, n + 1)[:, None] / n
        line = np.array(lo) + (np.array(hi) - np.array(lo)) * t
        out.append((line if lo == tuple(a) else line[::-1])[1:])
    return np.concatenate(out)


def rect_ring(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """A closed, counter-clockwise, densified rectangle in local metres."""
    return densify(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]))


def river_polygon(bend: Bend, to_world: object, margin: float = 400.0) -> Polygon:
    """The river band (EPSG:4547 via ``to_world``), running past the district's sides."""
    assert bend.river_y is not None
    half = RIVER_WIDTH_M / 2  # bank to bank; the blocks stay (RIVER_GAP_M - this) / 2 away
    ring = rect_ring(-margin, bend.river_y - half, bend.width + margin, bend.river_y + half)
    return Polygon(to_world(ring))  # type: ignore[operator]


def block_outline(rings: list[np.ndarray], box: tuple[float, float, float, float]) -> np.ndarray:
    """The outline (closed, counter-clockwise, local metres) of a block whose parcels
    ``rings`` tile ``box``: every parcel vertex on the box's sides, in order around it, so
    the bent block and its bent parcels have the very same boundary."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    points = {(float(x), float(y)) for ring in rings for x, y in ring}
    keyed = {}
    for x, y in points:
        if y == y0:
            keyed[x - x0] = (x, y)
        elif x == x1:
            keyed[w + y - y0] = (x, y)
        elif y == y1:
            keyed[w + h + x1 - x] = (x, y)
        elif x == x0:
            keyed[2 * w + h + y1 - y] = (x, y)
    ordered = [keyed[k] for k in sorted(keyed)]
    return np.array([*ordered, ordered[0]])
