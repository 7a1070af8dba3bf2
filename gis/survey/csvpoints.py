"""CSV files of boundary points (界址点成果表), headers in Chinese or English.

Coordinates are lon/lat (经度/纬度) or projected easting/northing in EPSG:4547 (or
the CRS given). Chinese survey tables name northing X and easting Y; the columns
are told apart by size (a northing near 23°N is about 2.5 million metres, an
easting in a 3-degree zone is under a million, or 8 digits with the zone prefix of
EPSG:4526), so swapped tables read correctly too. Precision is in metres.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import shapely

from gis.errors import InvalidInput
from gis.exchange.read import to_storage
from gis.survey.parsed import ParsedPoint, ParsedSurvey, Rejected

ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("点号", "界址点号", "点名", "point", "point_no", "pointno", "no", "name", "id"),
    "lon": ("经度", "lon", "lng", "longitude"),
    "lat": ("纬度", "lat", "latitude"),
    "x": ("x", "x坐标", "北坐标", "northing", "n"),
    "y": ("y", "y坐标", "东坐标", "easting", "e"),
    "precision": ("精度", "点位中误差", "中误差", "precision", "accuracy", "rms", "sigma"),
    "class": ("等级", "精度等级", "界址点等级", "class", "grade"),
    "fix": ("解状态", "fix", "fix_quality", "quality"),
    "elevation": ("高程", "h", "z", "elevation", "height"),
}
FIX_WORDS = {"固定解": 4, "fixed": 4, "rtk": 4, "浮点解": 5, "float": 5, "单点解": 1, "single": 1,
             "差分解": 2, "dgps": 2}  # fmt: skip


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 as Chinese office software writes it."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput("the CSV file is neither UTF-8 nor GB18030 text", field="file")


def parse_points_csv(data: bytes, srid: int | None = None) -> ParsedSurvey:
    """Read a boundary-point table; raises InvalidInput naming missing columns."""
    rows = list(csv.reader(io.StringIO(decode(data))))
    if not rows or not any(c.strip() for c in rows[0]):
        raise InvalidInput("the CSV file is empty", field="file")
    columns = _columns(rows[0])
    geographic = "lon" in columns and "lat" in columns
    if not geographic and not ("x" in columns and "y" in columns):
        raise InvalidInput(
            "the CSV needs coordinate columns: 经度/纬度 (lon/lat) or X/Y (northing/easting); "
            f"found {', '.join(h.strip() for h in rows[0])}",
            field="file",
        )
    out = ParsedSurvey("csv", 4490)
    coords: list[tuple[float, float]] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        try:
            point, xy = _row(row, columns, geographic)
        except (ValueError, IndexError) as exc:
            out.rejected.append(Rejected(number, f"unreadable row: {exc}", ",".join(row)[:120]))
            continue
        out.points.append(point)
        coords.append(xy)
    if not out.points:
        raise InvalidInput("the CSV file holds no boundary points", field="file")
    out.source_srid = srid or (4490 if geographic else _projected_srid(coords))
    _to_storage(out, coords)
    return out


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, name in enumerate(header):
        key = name.strip().lower()
        for target, names in ALIASES.items():
            if key in names and target not in found:
                found[target] = index
    return found


def _row(row: list[str], cols: dict[str, int], geographic: bool) -> tuple[ParsedPoint, tuple]:
    def cell(key: str) -> str:
        return row[cols[key]].strip() if key in cols and cols[key] < len(row) else ""

    if geographic:
        xy = (float(cell("lon")), float(cell("lat")))
    else:
        xy = _easting_northing(float(cell("x")), float(cell("y")))
    precision = cell("precision")
    grade = cell("class")
    fix = cell("fix")
    point = ParsedPoint(
        lon=xy[0],
        lat=xy[1],
        kind="boundary",
        name=cell("name") or None,
        elevation_m=float(cell("elevation")) if cell("elevation") else None,
        precision_m=float(precision) if precision else None,
        declared_class=_grade(grade) if grade else None,
        fix_quality=_fix(fix) if fix else None,
    )
    return point, xy


def _is_easting(value: float) -> bool:
    """Eastings are under 1,000,000 m, or 8 digits with a zone prefix; northings in China
    (latitude 16-54°) lie between those."""
    return abs(value) < 1_000_000 or abs(value) >= 10_000_000


def _easting_northing(x: float, y: float) -> tuple[float, float]:
    """(easting, northing) from a table's X and Y, whichever order the table used."""
    if _is_easting(x) and not _is_easting(y):
        return x, y
    return y, x  # Chinese survey convention: X is northing, Y is easting


def _grade(text: str) -> int:
    digits = "".join(ch for ch in text if ch.isdigit()) or {"一": "1", "二": "2", "三": "3"}.get(
        text[:1], ""
    )
    if digits not in ("1", "2", "3"):
        raise ValueError(f"accuracy class {text!r} is not 1, 2 or 3")
    return int(digits)


def _fix(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text.lower() in FIX_WORDS:
        return FIX_WORDS[text.lower()]
    raise ValueError(f"fix quality {text!r} is not a number or a known word")


def _projected_srid(coords: list[tuple[float, float]]) -> int:
    """EPSG:4526 when eastings carry the zone prefix 38 (8 digits), else EPSG:4547."""
    return 4526 if max(abs(x) for x, _ in coords) >= 10_000_000 else 4547


def _to_storage(out: ParsedSurvey, coords: list[tuple[float, float]]) -> None:
    points = shapely.points(np.array(coords, dtype=float))
    stored = to_storage(np.asarray(points, dtype=object), out.source_srid)
    for parsed, geom in zip(out.points, stored, strict=True):
        parsed.lon, parsed.lat = float(geom.x), float(geom.y)
