"""Survey files in GIS formats (GeoJSON, KML, zipped Shapefile, GeoPackage, DXF).

Read through gis.exchange (CRS detection, reprojection to EPSG:4490). Points are
boundary points (attributes: point number, precision, class, fix, as in CSV tables),
lines become tracks, and a polygon's outer ring gives ordered boundary points.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import shapely

from gis.errors import InvalidInput
from gis.exchange.read import iter_frames, locate_dataset, open_source
from gis.survey.csvpoints import ALIASES, _fix, _grade
from gis.survey.parsed import ParsedPoint, ParsedSurvey, ParsedTrack, Rejected


def parse_vector(path: Path, workdir: Path, srid: int | None, max_bytes: int) -> ParsedSurvey:
    """Read any vector survey file; InvalidInput when it holds no usable geometry."""
    dataset = locate_dataset(path, workdir, max_bytes)
    source = open_source(dataset, srid)
    out = ParsedSurvey(source.fmt.key, source.srid)
    row = 0
    for frame in iter_frames(source, chunk=10_000):
        cols = _columns(list(frame.columns))
        for record, geom in zip(frame.to_dict("records"), frame.geometry.values, strict=True):
            row += 1
            _add(out, row, geom, record, cols)
    if not out.points:
        raise InvalidInput("the file holds no points, lines or polygons", field="file")
    return out


def _columns(names: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in names:
        for target, aliases in ALIASES.items():
            if name.strip().lower() in aliases and target not in found:
                found[target] = name
    return found


def _add(out: ParsedSurvey, row: int, geom: Any, record: dict, cols: dict[str, str]) -> None:
    if geom is None or geom.is_empty:
        out.rejected.append(Rejected(row, "feature without geometry"))
        return
    try:
        attrs = _attributes(record, cols)
    except ValueError as exc:
        out.rejected.append(Rejected(row, str(exc)))
        return
    for part in shapely.get_parts(geom):
        if part.geom_type == "Point":
            out.points.append(ParsedPoint(part.x, part.y, "boundary", **attrs))
        elif part.geom_type == "LineString":
            _track(out, list(part.coords), attrs.get("name"))
        elif part.geom_type == "Polygon":
            for i, (x, y, *_) in enumerate(list(part.exterior.coords)[:-1], start=1):
                name = f"{attrs.get('name') or 'J'}{i}"
                out.points.append(ParsedPoint(x, y, "boundary", name=name))


def _track(out: ParsedSurvey, coords: list, name: str | None) -> None:
    seq = len(out.tracks)
    start = len(out.points)
    for x, y, *z in coords:
        out.points.append(
            ParsedPoint(x, y, "track", elevation_m=z[0] if z else None, track_seq=seq)
        )
    out.tracks.append(ParsedTrack("track", name, list(range(start, len(out.points)))))


def _attributes(record: dict, cols: dict[str, str]) -> dict[str, Any]:
    def value(key: str) -> str:
        raw = record.get(cols[key]) if key in cols else None
        if raw is None or (isinstance(raw, float) and math.isnan(raw)):
            return ""
        return str(raw).strip()

    attrs: dict[str, Any] = {}
    if value("name"):
        attrs["name"] = value("name")
    if value("precision"):
        attrs["precision_m"] = float(value("precision"))
    if value("class"):
        attrs["declared_class"] = _grade(value("class"))
    if value("fix"):
        attrs["fix_quality"] = _fix(value("fix"))
    if value("elevation"):
        attrs["elevation_m"] = float(value("elevation"))
    return attrs
