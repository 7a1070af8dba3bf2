"""How the demo district (:mod:`gis.demo`) reads like a piece of Dongguan: irregular plots
in its villages, 镇街 and 社区/村 names, and a river with fish ponds beside it. All of it
is fixed by the input (no randomness left to chance), so the district stays deterministic."""

from __future__ import annotations

import math

import numpy as np

VILLAGE_USES = frozenset({"0702"})  # homestead blocks are drawn as irregular village plots
VILLAGE_JITTER_M = 2.5


def _jitter(x: float, y: float) -> tuple[float, float]:
    """A fixed offset (metres, within ±VILLAGE_JITTER_M) for the point (x, y): the same
    point always moves the same way, so neighbouring plots keep sharing their vertices."""
    ix, iy = round(x * 2), round(y * 2)
    h = (ix * 73856093) ^ (iy * 19349663) ^ 0x5BD1E995
    fx = ((h >> 3) % 1000) / 999 * 2 - 1
    fy = ((h >> 13) % 1000) / 999 * 2 - 1
    return fx * VILLAGE_JITTER_M, fy * VILLAGE_JITTER_M


def village_ring(ring: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """A plot of a village block made irregular: a vertex added in the middle of every
    side, and every point inside the block moved across the cut it lies on (points on a
    strip's side sideways, the middle of a cut across a strip up or down) by
    :func:`_jitter`; points on the block's outline stay, so the block is still tiled
    exactly, and points keep their order along every cut, so no plot crosses itself."""
    x0, y0, x1, y1 = box
    out: list[tuple[float, float]] = []
    for (ax, ay), (bx, by) in zip(ring[:-1], ring[1:], strict=True):
        ax, ay, bx, by = float(ax), float(ay), float(bx), float(by)
        out.append(_moved(ax, ay, box, across_x=True))
        across_strip = ay == by and ax != bx
        out.append(_moved((ax + bx) / 2, (ay + by) / 2, box, across_x=not across_strip))
    out.append(out[0])
    return np.array(out)


def _moved(
    x: float, y: float, box: tuple[float, float, float, float], *, across_x: bool
) -> tuple[float, float]:
    x0, y0, x1, y1 = box
    if not (x0 < x < x1 and y0 < y < y1):
        return (x, y)
    dx, dy = _jitter(x, y)
    return (x + dx, y) if across_x else (x, y + dy)


SUBDISTRICTS = frozenset({"莞城", "南城", "东城", "万江", "石龙"})  # 街道, the rest are 镇
PARKS = frozenset({"松山湖"})
COMMUNITIES = [
    "兴塘",
    "鸿福",
    "元岭",
    "岗贝",
    "樟村",
    "温塘",
    "周屋",
    "黄旗",
    "袁屋边",
    "罗沙",
    "峡口",
    "白马",
    "篁村",
    "新基",
    "石井",
    "上桥",
    "下桥",
    "水濂",
    "蛤地",
    "莞龙",
    "牛山",
    "火炼树",
    "桑园",
    "立新",
    "主山",
    "同沙",
    "余屋",
    "柏洲边",
    "大塘头",
    "涡岭",
]
RIVER = ("东江南支流", "Dongjiang south branch")
POND = ("鱼塘", "fish pond")


def town_label(zone_name: str) -> str:
    """A cadastral zone's name as its 镇街 (town or subdistrict): 莞城地籍区 → 莞城街道."""
    base = zone_name.removesuffix("地籍区")
    town = base.rstrip("0123456789")
    if town in PARKS:
        return f"{base}园区"
    return f"{base}街道" if town in SUBDISTRICTS else f"{base}镇"


def community_label(subzone_code: str, rural: bool) -> str:
    """A subzone's 社区 (urban) or 村 (rural, collective land) name, fixed by its code."""
    zone, sub = int(subzone_code[6:9]), int(subzone_code[9:12])
    name = COMMUNITIES[(zone * 7 + sub * 3) % len(COMMUNITIES)]
    return f"{name}村" if rural else f"{name}社区"


def river_line(box: tuple[float, float, float, float], points: int = 48) -> list[list[float]]:
    """The centre line (lon/lat, EPSG:4490) of a river meandering along the south of the
    district whose lon/lat bounds are ``box`` (west, south, east, north), clear of it."""
    west, south, east, north = box
    height = north - south
    margin = max(0.0012, height * 0.05)
    span = east - west
    out = []
    for i in range(points + 1):
        t = i / points
        x = west - span * 0.08 + t * span * 1.16
        y = south - margin - 0.0006 * (1 + math.sin(t * math.pi * 3.2)) - 0.0003 * math.sin(t * 17)
        out.append([round(x, 7), round(y, 7)])
    return out


def ponds(box: tuple[float, float, float, float], count: int = 7) -> list[list[list[float]]]:
    """Irregular fish ponds (lon/lat rings) on the river's south bank, fixed by ``box``."""
    line = river_line(box)
    rng = np.random.default_rng(20261202)
    out = []
    for k in range(count):
        cx, cy = line[4 + k * (len(line) - 8) // max(1, count - 1)]
        cy -= 0.0016 + rng.uniform(0, 0.0006)
        rx, ry = rng.uniform(0.0004, 0.0008), rng.uniform(0.00025, 0.0005)
        ring = []
        for j in range(12):
            a = j / 12 * 2 * math.pi
            wobble = 1 + 0.15 * math.sin(a * 3 + k)
            ring.append(
                [round(cx + rx * wobble * math.cos(a), 7), round(cy + ry * wobble * math.sin(a), 7)]
            )
        ring.append(ring[0])
        out.append(ring)
    return out
