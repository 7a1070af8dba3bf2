"""How the demo district (:mod:`gis.demo`) reads like a piece of Dongguan: irregular plots
in its villages, 镇街, 社区/村 and road names, villages inside the city (城中村) and fish
ponds on the river banks. All of it
is fixed by the input (no randomness left to chance), so the district stays deterministic.
The river itself is drawn by :mod:`gis.demo_shape`."""

from __future__ import annotations

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
ROAD_NAMES = [
    "东城大道",
    "鸿福路",
    "元美路",
    "莞太路",
    "东纵路",
    "运河路",
    "体育路",
    "八达路",
    "环城路",
    "石竹路",
    "新城路",
    "银丰路",
    "黄旗路",
    "宏图路",
    "莞龙路",
    "旗峰路",
]
AVENUE = "东莞大道"  # the diagonal avenue (gis.demo_shape's fan)
STREET_SUFFIX = {"NS": "路", "EW": "街"}
NUMERALS = "一二三四五六七八九"


def road_name(i: int, axis: str, main: bool) -> str:
    """The name of road ``i`` running north-south (``axis`` "NS") or east-west ("EW"):
    main roads from ROAD_NAMES, the others after a 社区 (兴塘路, 鸿福二街, ...)."""
    if main:
        base = ROAD_NAMES[(i // 5 + (0 if axis == "NS" else 8)) % len(ROAD_NAMES)]
        return base
    k = i + (0 if axis == "NS" else 13)
    name = COMMUNITIES[k % len(COMMUNITIES)]
    lap = k // len(COMMUNITIES)
    number = NUMERALS[lap % len(NUMERALS)] if lap else ""
    return f"{name}{number}{STREET_SUFFIX[axis]}"


Use = tuple[str, str, str]  # land use, ownership, right type
POND_USE: Use = ("1104", "J", "A")  # fish ponds of a village collective
VILLAGE_USE: Use = ("0702", "J", "C")  # homesteads (宅基地) of a village


def local_use(row: int, col: int, rural: bool, urban: bool, by_river: bool, drawn: Use) -> Use:
    """A block's use with the district's local character over the ring's draw ``drawn``:
    rural blocks on the river banks are fish ponds (one in two), and the urban ring keeps
    villages (城中村) in clusters of 2 x 2 blocks (one cluster in five), fixed by position."""
    if rural and by_river and (row * 31 + col * 17) % 2 == 0:
        return POND_USE
    if urban and (((row // 2) * 7919 + (col // 2) * 104729) ^ 0x2F) % 5 == 0:
        return VILLAGE_USE
    return drawn


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
