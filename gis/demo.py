"""A deterministic generator of a Dongguan-like demo district, in EPSG:4547 metres.

The district is laid out as a grid of street blocks separated by roads, with a wide gap
for the river, then bent (:mod:`gis.demo_shape`: a diagonal avenue fanning the roads
around it, the river and the roads beside it meandering) and slightly rotated.
Each block is cut into strips and each strip into parcels, so the parcels of a
block tile it exactly: neighbours share vertices, including T-junctions, and
identical input coordinates bend and reproject to identical output coordinates.
Cadastral zones are 20 x 20 blocks (40 x 40, 80 x 80 ... when a district that large would
need more than 999 zones: zone codes have 3 digits), subzones 5 x 5 blocks. Memory stays
bounded: parcels are produced block by block and handed out in chunks.

This module knows geometry only; the cadastre and the planning layers load it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
from shapely.geometry import Polygon

from gis.demo_look import AVENUE, VILLAGE_USES, local_use, road_name, village_ring
from gis.demo_shape import (
    FAN_COLUMN_SHARE,
    RIVER_GAP_M,
    RIVER_ROW_SHARE,
    Bend,
    block_outline,
    densify,
    rect_ring,
)
from gis.geo import AREA_SRID, STORAGE_SRID, transformer

COUNTY = "441900"
CENTRE_LONLAT = (113.752, 23.021)
ZONE_BLOCKS = 20
SUBZONE_BLOCKS = 5
ROTATION_DEG = 8.0
TOWNS = [
    "莞城",
    "南城",
    "东城",
    "万江",
    "石龙",
    "虎门",
    "长安",
    "常平",
    "塘厦",
    "樟木头",
    "松山湖",
    "寮步",
    "大朗",
    "大岭山",
    "厚街",
    "道滘",
    "高埗",
    "麻涌",
    "中堂",
    "望牛墩",
    "洪梅",
    "沙田",
    "石碣",
    "石排",
    "茶山",
    "企石",
    "桥头",
    "横沥",
    "东坑",
    "黄江",
    "凤岗",
    "清溪",
    "谢岗",
]
# (share of blocks, land-use code, ownership, right type) by ring of the district
URBAN_CORE = [
    (0.35, "0505", "G", "B"),
    (0.2, "0501", "G", "B"),
    (0.25, "0701", "G", "B"),
    (0.08, "0803", "G", "B"),
    (0.06, "0805", "G", "B"),
    (0.06, "0810", "G", "B"),
]
URBAN = [
    (0.55, "0701", "G", "B"),
    (0.18, "0601", "G", "B"),
    (0.07, "0604", "G", "B"),
    (0.08, "0803", "G", "B"),
    (0.05, "0501", "G", "B"),
    (0.07, "0810", "G", "B"),
]
RURAL = [
    (0.4, "0101", "J", "D"),
    (0.12, "0103", "J", "D"),
    (0.1, "0201", "J", "D"),
    (0.15, "0702", "J", "C"),
    (0.1, "0301", "J", "E"),
    (0.05, "1104", "J", "A"),
    (0.08, "0601", "J", "B"),
]


@dataclass(frozen=True)
class DemoParcel:
    """One generated parcel: its codes' parts, land use and ring in EPSG:4547."""

    zone: int
    subzone: int
    seq: int
    block_code: str
    land_use: str
    ownership: str
    right_type: str
    ring: np.ndarray  # (k, 2), closed, counter-clockwise, EPSG:4547 metres


@dataclass(frozen=True)
class DemoArea:
    """A zone, subzone, block or plan zone: a code, a name and a polygon in EPSG:4547."""

    code: str
    name: str
    polygon: Polygon
    parent: str = ""
    extra: dict = field(default_factory=dict)


class DemoDistrict:
    """The layout of a district of about ``parcels`` parcels drawn from ``seed``."""

    def __init__(self, parcels: int = 5000, seed: int = 20261126) -> None:
        if parcels < 1:
            raise ValueError("parcels must be at least 1")
        self.n_parcels = parcels
        self.seed = seed
        rng = np.random.default_rng(seed)
        counts: list[int] = []
        total = 0
        while total < parcels:
            c = int(rng.integers(4, 13))
            c = min(c, parcels - total)
            counts.append(c)
            total += c
        self.block_counts = counts
        self.cols = max(1, math.ceil(math.sqrt(len(counts))))
        self.rows = math.ceil(len(counts) / self.cols)
        self.col_widths = rng.uniform(150, 230, self.cols).round(1)
        self.row_heights = rng.uniform(110, 170, self.rows).round(1)
        self.col_roads = np.where(np.arange(self.cols + 1) % 5 == 0, 40.0, 20.0)
        self.row_roads = np.where(np.arange(self.rows + 1) % 5 == 0, 40.0, 20.0)
        self.river_row = round(self.rows * RIVER_ROW_SHARE) if self.rows >= 3 else None
        if self.river_row is not None:  # the river takes the place of a road between rows
            self.row_roads[self.river_row] = RIVER_GAP_M
        self.x_edges = np.concatenate([[0.0], np.cumsum(self.col_widths + self.col_roads[:-1])])
        self.y_edges = np.concatenate([[0.0], np.cumsum(self.row_heights + self.row_roads[:-1])])
        self.width = float(self.x_edges[-1] + self.col_roads[-1])
        self.height = float(self.y_edges[-1] + self.row_roads[-1])
        cx, cy = transformer(STORAGE_SRID, AREA_SRID).transform(*CENTRE_LONLAT)
        self.origin = (round(cx - self.width / 2, 1), round(cy - self.height / 2, 1))
        theta = math.radians(ROTATION_DEG)
        self._cos, self._sin = math.cos(theta), math.sin(theta)
        self.bend = Bend(self.width, self.height, self._fan_x(), self._river_y())

    def _fan_x(self) -> float | None:
        """Local x of the main north-south road leaned into the diagonal avenue."""
        mains = [i for i in range(1, self.cols) if self.col_roads[i] >= 40]
        if not mains:
            return None
        i = min(mains, key=lambda k: abs(k - self.cols * FAN_COLUMN_SHARE))
        return float(self.x_edges[i] + self.col_roads[i] / 2)

    def _river_y(self) -> float | None:
        if self.river_row is None:
            return None
        return float(self.y_edges[self.river_row] + RIVER_GAP_M / 2)

    # -- coordinates -------------------------------------------------------------
    def to_world(self, xy: np.ndarray) -> np.ndarray:
        """Local grid metres to EPSG:4547 metres (bend, rotate about the centre, shift)."""
        bent = self.bend(xy)
        lx = bent[..., 0] - self.width / 2
        ly = bent[..., 1] - self.height / 2
        wx = self.origin[0] + self.width / 2 + lx * self._cos - ly * self._sin
        wy = self.origin[1] + self.height / 2 + lx * self._sin + ly * self._cos
        return np.stack([wx, wy], axis=-1)

    def _rect(self, x0: float, y0: float, x1: float, y1: float) -> Polygon:
        return Polygon(self.to_world(rect_ring(x0, y0, x1, y1)))

    def block_cell(self, row: int, col: int) -> tuple[float, float, float, float]:
        """The block's rectangle in local metres (road half-widths excluded)."""
        x0 = self.x_edges[col] + self.col_roads[col]
        y0 = self.y_edges[row] + self.row_roads[row]
        return (
            float(x0),
            float(y0),
            float(x0 + self.col_widths[col]),
            float(y0 + self.row_heights[row]),
        )

    def _cell_span(self, r0: int, c0: int, r1: int, c1: int) -> Polygon:
        """Rectangle over blocks [r0, r1) x [c0, c1) reaching to the middle of the roads."""
        r1, c1 = min(r1, self.rows), min(c1, self.cols)
        x0 = self.x_edges[c0] + (self.col_roads[c0] / 2 if c0 else 0)
        x1 = self.x_edges[c1] + (self.col_roads[c1] / 2 if c1 < self.cols else self.col_roads[c1])
        y0 = self.y_edges[r0] + (self.row_roads[r0] / 2 if r0 else 0)
        y1 = self.y_edges[r1] + (self.row_roads[r1] / 2 if r1 < self.rows else self.row_roads[r1])
        return self._rect(float(x0), float(y0), float(x1), float(y1))

    def block_span(self, row: int, col: int) -> Polygon:
        """The block's cell reaching to the middle of its roads (EPSG:4547)."""
        return self._cell_span(row, col, row + 1, col + 1)

    # -- codes ---------------------------------------------------------------------
    @property
    def zone_blocks(self) -> int:
        """Blocks per side of a zone: 20, doubled while the 3-digit zone codes would run out
        (5 million parcels: 1,600 zones of 20 x 20 blocks, so 400 of 40 x 40)."""
        n = ZONE_BLOCKS
        while math.ceil(self.cols / n) * math.ceil(self.rows / n) > 999:
            n *= 2
        return n

    @property
    def zones_per_row(self) -> int:
        return math.ceil(self.cols / self.zone_blocks)

    def zone_of(self, row: int, col: int) -> int:
        zb = self.zone_blocks
        return (row // zb) * self.zones_per_row + col // zb + 1

    def subzone_of(self, row: int, col: int) -> int:
        zb = self.zone_blocks
        per = zb // SUBZONE_BLOCKS
        return ((row % zb) // SUBZONE_BLOCKS) * per + (col % zb) // SUBZONE_BLOCKS + 1

    def radius(self, row: float, col: float) -> float:
        """Distance of a cell from the centre, 0 in the middle and about 1 at the corners."""
        dy = (row + 0.5) / self.rows - 0.5
        dx = (col + 0.5) / self.cols - 0.5
        return math.hypot(dx, dy) / math.hypot(0.5, 0.5) * 1.25

    # -- areas -----------------------------------------------------------------------
    def zones(self) -> list[DemoArea]:
        out = []
        zb = self.zone_blocks
        for zr in range(0, self.rows, zb):
            for zc in range(0, self.cols, zb):
                no = self.zone_of(zr, zc)
                town = TOWNS[(no - 1) % len(TOWNS)]
                name = town if no <= len(TOWNS) else f"{town}{(no - 1) // len(TOWNS) + 1}"
                out.append(
                    DemoArea(
                        f"{COUNTY}{no:03d}",
                        f"{name}地籍区",
                        self._cell_span(zr, zc, zr + zb, zc + zb),
                    )
                )
        return out

    def subzones(self) -> list[DemoArea]:
        out = []
        for sr in range(0, self.rows, SUBZONE_BLOCKS):
            for sc in range(0, self.cols, SUBZONE_BLOCKS):
                zone, sub = self.zone_of(sr, sc), self.subzone_of(sr, sc)
                code = f"{COUNTY}{zone:03d}{sub:03d}"
                poly = self._cell_span(sr, sc, sr + SUBZONE_BLOCKS, sc + SUBZONE_BLOCKS)
                out.append(
                    DemoArea(
                        code,
                        f"第{sub}地籍子区",
                        poly,
                        parent=f"{COUNTY}{zone:03d}",
                        extra={"row": sr, "col": sc},
                    )
                )
        return out

    def roads(self) -> list[DemoArea]:
        """Road centre lines, bent as the blocks are (EPSG:4547 in ``extra["line"]``)."""
        out = []
        for i, x in enumerate(self.x_edges):
            cx = float(x + self.col_roads[i] / 2)
            out.append(self._road(f"NS{i:03d}", i, "NS", [[cx, 0.0], [cx, self.height]]))
        for j, y in enumerate(self.y_edges):
            if j == self.river_row:  # the river runs here, not a road
                continue
            cy = float(y + self.row_roads[j] / 2)
            out.append(self._road(f"EW{j:03d}", j, "EW", [[0.0, cy], [self.width, cy]]))
        return out

    def _road(self, code: str, i: int, axis: str, ends: list[list[float]]) -> DemoArea:
        width = float((self.col_roads if axis == "NS" else self.row_roads)[i])
        main = width >= 40
        avenue = axis == "NS" and self.bend.fan_x == (ends[0][0])
        return DemoArea(
            code,
            AVENUE if avenue else road_name(i, axis, main),
            Polygon(),
            extra={
                "line": self.to_world(densify(np.array(ends))),
                "class": "main" if main else "secondary",
                "width": width,
            },
        )

    # -- parcels -------------------------------------------------------------------
    def block_use(self, index: int) -> tuple[str, str, str]:
        """The land use, ownership and right type of block ``index`` (row-major)."""
        return self._block_use(index, np.random.default_rng([self.seed, index]))

    def _block_use(self, index: int, rng: np.random.Generator) -> tuple[str, str, str]:
        row, col = divmod(index, self.cols)
        uses = _ring_uses(self.radius(row, col))
        _, land_use, own, right = uses[_pick(rng, [u[0] for u in uses])]
        by_river = self.river_row is not None and row in (self.river_row - 1, self.river_row)
        return local_use(row, col, uses is RURAL, uses is URBAN, by_river, (land_use, own, right))

    def blocks(self) -> Iterator[tuple[DemoArea, list[DemoParcel]]]:
        """Each block with its parcels, in row-major order; sequence numbers per subzone."""
        seq: dict[tuple[int, int], int] = {}
        block_no: dict[tuple[int, int], int] = {}
        for index, count in enumerate(self.block_counts):
            row, col = divmod(index, self.cols)
            zone, sub = self.zone_of(row, col), self.subzone_of(row, col)
            key = (zone, sub)
            block_no[key] = block_no.get(key, 0) + 1
            code = f"{COUNTY}{zone:03d}{sub:03d}-{block_no[key]:03d}"
            box = self.block_cell(row, col)
            rng = np.random.default_rng([self.seed, index])
            land_use, own, right = self._block_use(index, rng)
            rings = _cut_block(rng, count, *box)
            if land_use in VILLAGE_USES:
                rings = [village_ring(ring, box) for ring in rings]
            world = self.to_world(np.concatenate(rings))  # one call per block: fast
            ends = np.cumsum([len(r) for r in rings])[:-1]
            parcels = []
            for ring in np.split(world, ends):
                seq[key] = seq.get(key, 0) + 1
                parcels.append(DemoParcel(zone, sub, seq[key], code, land_use, own, right, ring))
            block = DemoArea(
                code,
                f"街坊{block_no[key]}",
                Polygon(self.to_world(block_outline(rings, box))),
                parent=f"{COUNTY}{zone:03d}{sub:03d}",
                extra={"row": row, "col": col, "land_use": land_use},
            )
            yield block, parcels


def _ring_uses(radius: float) -> list[tuple[float, str, str, str]]:
    if radius < 0.35:
        return URBAN_CORE
    if radius < 0.72:
        return URBAN
    return RURAL


def _pick(rng: np.random.Generator, weights: list[float]) -> int:
    w = np.asarray(weights, dtype=float)
    return int(rng.choice(len(w), p=w / w.sum()))


def _split(rng: np.random.Generator, lo: float, hi: float, parts: int) -> list[float]:
    """Cut positions from lo to hi into ``parts`` pieces of varied size (0.5 m grid)."""
    weights = rng.uniform(0.6, 1.4, parts)
    cuts = lo + np.cumsum(weights) / weights.sum() * (hi - lo)
    inner = [round(float(c) * 2) / 2 for c in cuts[:-1]]
    return [lo, *inner, hi]


def _cut_block(
    rng: np.random.Generator, count: int, x0: float, y0: float, x1: float, y1: float
) -> list[np.ndarray]:
    """Cut a block into ``count`` parcels: strips along x, each strip cut along y.

    Each ring carries the cut points of the neighbouring strips that fall on its
    sides, so adjacent parcels share every vertex (no slivers after reprojection).
    """
    strips = max(1, min(count, round(math.sqrt(count / 1.5))))
    per = [count // strips + (1 if i < count % strips else 0) for i in range(strips)]
    xs = _split(rng, x0, x1, strips)
    ys = [_split(rng, y0, y1, n) for n in per]
    rings = []
    for i in range(strips):
        left = ys[i - 1] if i > 0 else []
        right = ys[i + 1] if i + 1 < strips else []
        for j in range(per[i]):
            ya, yb = ys[i][j], ys[i][j + 1]
            pts = [(xs[i], ya), (xs[i + 1], ya)]
            pts += [(xs[i + 1], y) for y in right if ya < y < yb]
            pts += [(xs[i + 1], yb), (xs[i], yb)]
            pts += [(xs[i], y) for y in reversed(left) if ya < y < yb]
            pts.append((xs[i], ya))
            rings.append(np.array(pts))
    return rings
