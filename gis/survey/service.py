"""Survey imports: read the file, check where and when, classify points, build the boundary.

Services flush and never commit: the caller (router, CLI command) opens the unit of work
(``gis.db.transaction``). The original file is kept only once everything is read and the
rows are written, so a refused file leaves nothing behind.
"""

from __future__ import annotations

import math
import re
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from gis.errors import InvalidInput, LandgisError
from gis.settings import get_settings
from gis.store import discard
from gis.survey import repository as repo
from gis.survey.accuracy import CLASSES, classify, estimate_precision
from gis.survey.boundary import BoundaryPoint, build_polygon
from gis.survey.checks import check_district, check_parcel, plausible_span, survey_day
from gis.survey.csvpoints import parse_points_csv
from gis.survey.gpx import parse_gpx
from gis.survey.models import Survey, SurveyPoint, SurveyTrack
from gis.survey.nmea import parse_nmea
from gis.survey.parsed import ParsedSurvey
from gis.survey.ports import ParcelLookup
from gis.survey.storage import keep_original, sha256_of
from gis.survey.vector import parse_vector

NMEA_SUFFIXES = {".nmea", ".nma", ".log", ".txt", ".ubx"}
DATE_SOURCES = {
    "form": ("上传时填写", "given with the upload"),
    "point_times": ("点位时间", "the point times"),
    "file_metadata": (
        "文件元数据（点位时间不可信）",
        "the file's metadata (point times implausible)",
    ),
}
PATH_RE = re.compile(r"(?:/[^\s/:'\"]+)+/([^\s/:'\"]+)")


@dataclass
class SurveyMeta:
    """What the surveyor says about the file (the rest is read from it)."""

    surveyor: str
    instrument: str = ""
    survey_date: date | None = None
    srid: int | None = None
    unit_code: str | None = None
    boundary_waypoints: bool = False
    force: bool = False  # import a survey lying outside the district anyway
    uere_m: float | None = None  # the receiver's stated UERE (1σ, m), else the settings'


def read_survey_file(path: Path, name: str, meta: SurveyMeta) -> ParsedSurvey:
    """Parse any supported survey file by its suffix (or, lacking one, its first bytes).
    Error details name the file, never a folder of this server."""
    try:
        return _read(path, name, meta)
    except LandgisError as exc:
        exc.detail = PATH_RE.sub(r"\1", exc.detail)
        exc.args = (exc.detail,)
        raise


def _read(path: Path, name: str, meta: SurveyMeta) -> ParsedSurvey:
    suffix = Path(name).suffix.lower()
    max_bytes = get_settings().upload_max_bytes
    if path.stat().st_size == 0:
        raise InvalidInput("文件为空 / the file is empty", field="file")
    sniffed = _sniff(path)
    if suffix == ".gpx" or (suffix not in KNOWN_SUFFIXES and sniffed == "gpx"):
        return parse_gpx(path.read_bytes(), meta.boundary_waypoints)
    if suffix in NMEA_SUFFIXES or (suffix not in KNOWN_SUFFIXES and sniffed == "nmea"):
        return parse_nmea(path.read_bytes())
    if suffix == ".csv" and "wkt" not in path.open("rb").readline().decode("latin-1").lower():
        return parse_points_csv(path.read_bytes(), meta.srid)
    with tempfile.TemporaryDirectory(prefix="landgis-survey-") as work:
        local = Path(work) / (Path(name).name or f"upload{suffix}")
        local.symlink_to(path.resolve())
        return parse_vector(local, Path(work) / "x", meta.srid, max_bytes)


KNOWN_SUFFIXES = {".gpx", ".csv", ".geojson", ".json", ".kml", ".kmz", ".zip", ".gpkg", ".dxf",
                  ".shp", *NMEA_SUFFIXES}  # fmt: skip


def _sniff(path: Path) -> str | None:
    """``gpx`` or ``nmea`` from a file's first bytes (for names without a known suffix)."""
    with path.open("rb") as f:
        head = f.read(2048).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"$", b"!"):
        return "nmea"
    if head.startswith(b"<") and b"<gpx" in head:
        return "gpx"
    return None


def import_survey(
    session: Session,
    path: Path,
    name: str,
    meta: SurveyMeta,
    uploaded_by: str,
    lookup: ParcelLookup,
) -> Survey:
    """Read, check and store a survey (flushed; the caller commits). Raises InvalidInput
    with nothing stored: unreadable file, unknown parcel, a survey outside the district."""
    if not meta.surveyor.strip():
        raise InvalidInput("请填写测量员 / the surveyor's name is required", field="surveyor")
    parsed = read_survey_file(path, name, meta)
    _check_lonlat(parsed)
    settings = get_settings()
    findings = check_district(
        session, lookup, parsed, settings.survey_district_margin_m, meta.force
    )
    if meta.unit_code:
        findings += check_parcel(
            session, lookup, parsed, meta.unit_code, settings.survey_parcel_distance_m
        )
    points = _point_rows(parsed, meta.uere_m)
    boundary = [
        BoundaryPoint(p.name, p.lon, p.lat, row.accuracy_class)
        for p, row in zip(parsed.points, points, strict=True)
        if p.kind == "boundary"
    ]
    polygon, checks = build_polygon(boundary) if len(boundary) >= 3 else (None, None)
    day, day_source, implausible = survey_day(meta.survey_date, parsed)
    survey = Survey(
        surveyor=meta.surveyor.strip(),
        instrument=meta.instrument.strip(),
        survey_date=day,
        uploaded_by=uploaded_by,
        source_format=parsed.source_format,
        source_srid=parsed.source_srid,
        file_name=Path(name).name[:255],
        file_path="",
        sha256=sha256_of(path),
        size_bytes=path.stat().st_size,
        unit_code=meta.unit_code or None,
        summary=_summary(parsed, points, checks, findings, meta) | _dating(day_source, implausible),
        boundary=f"SRID=4490;{polygon.wkt}"
        if polygon is not None and checks and checks["ok"]
        else None,
    )
    tracks = [
        SurveyTrack(seq=i, kind=t.kind, name=t.name, geom=_line_wkt(parsed, t.point_indexes))
        for i, t in enumerate(parsed.tracks)
        if len(t.point_indexes) >= 2
    ]
    repo.add_survey(session, survey, points, tracks)
    survey.file_path, written = keep_original(path, survey.sha256, Path(name).suffix)
    try:
        session.flush()
    except BaseException:
        if written:  # nobody else's file: no survey row names it
            discard(survey.file_path)
        raise
    return survey


def _check_lonlat(parsed: ParsedSurvey) -> None:
    """Refuse points outside longitude/latitude range (GPX and NMEA carry no other CRS)."""
    for number, p in enumerate(parsed.points, start=1):
        if not (-180 <= p.lon <= 180 and -90 <= p.lat <= 90):
            raise InvalidInput(
                f"点 {p.name or number} ({p.lon}, {p.lat}) 超出经纬度范围 / "
                f"point {p.name or number} at ({p.lon}, {p.lat}) lies outside the range of "
                f"EPSG:{parsed.source_srid} (longitude ±180, latitude ±90)",
                field="geometry",
            )


def _point_rows(parsed: ParsedSurvey, uere_m: float | None) -> list[SurveyPoint]:
    settings = get_settings()
    uere, uere_rtk = uere_m or settings.survey_uere_m, uere_m or settings.survey_uere_rtk_m
    rows = []
    for seq, p in enumerate(parsed.points, start=1):
        sigma, source = estimate_precision(
            _finite(p.precision_m), _finite(p.hdop), _finite(p.pdop), p.fix_quality, uere, uere_rtk
        )
        grade, flag = classify(sigma, p.fix_quality, p.declared_class)
        rows.append(
            SurveyPoint(
                seq=seq,
                kind=p.kind,
                name=(p.name or "")[:64] or None,
                track_seq=p.track_seq,
                elevation_m=_finite(p.elevation_m),
                observed_at=p.observed_at,
                fix_quality=p.fix_quality,
                satellites=p.satellites,
                hdop=_finite(p.hdop),
                pdop=_finite(p.pdop),
                precision_m=sigma,
                precision_source=source,
                declared_class=p.declared_class,
                accuracy_class=grade,
                flag=flag[:200] if flag else None,
                geom=f"SRID=4490;POINT({p.lon!r} {p.lat!r})",
            )
        )
    return rows


def _finite(value: float | None) -> float | None:
    """A reported number, or None when it is NaN or infinite (files do write ``nan``)."""
    return value if value is not None and math.isfinite(value) else None


def _line_wkt(parsed: ParsedSurvey, indexes: list[int]) -> str:
    coords = ", ".join(f"{parsed.points[i].lon!r} {parsed.points[i].lat!r}" for i in indexes)
    return f"SRID=4490;LINESTRING({coords})"


def _dating(source: str | None, implausible: int) -> dict[str, Any]:
    """How the survey date was found, and the implausible point times, for the record."""
    out: dict[str, Any] = {
        "survey_date_source": source,
        "survey_date_source_text": list(DATE_SOURCES[source]) if source else None,
    }
    if implausible:
        out["implausible_times"] = implausible
    return out


def _summary(
    parsed: ParsedSurvey,
    points: list[SurveyPoint],
    checks: dict | None,
    findings: list[dict[str, Any]],
    meta: SurveyMeta,
) -> dict:
    lons = [p.lon for p in parsed.points]
    lats = [p.lat for p in parsed.points]
    by_kind: dict[str, int] = {}
    sources: dict[str, int] = {}
    for p in points:
        by_kind[p.kind] = by_kind.get(p.kind, 0) + 1
        sources[p.precision_source or "none"] = sources.get(p.precision_source or "none", 0) + 1
    classes = {str(c): sum(p.accuracy_class == c for p in points) for c in CLASSES}
    settings = get_settings()
    return {
        "points": len(points),
        "points_by_kind": by_kind,
        "tracks": len(parsed.tracks),
        "extent": [min(lons), min(lats), max(lons), max(lats)],
        "time_span": plausible_span(parsed),
        "accuracy_classes": classes,
        "precision_sources": sources,
        "uere_m": {
            "stated": meta.uere_m,
            "rtk_fixed": meta.uere_m or settings.survey_uere_rtk_m,
            "other": meta.uere_m or settings.survey_uere_m,
        },
        "flagged_points": sum(p.accuracy_class is None for p in points if p.kind == "boundary"),
        "rejected_count": len(parsed.rejected),
        "rejected": [
            {"line": r.line, "reason": r.reason, "text": r.text} for r in parsed.rejected[:500]
        ],
        "boundary_checks": checks,
        "findings": findings,
        **{k: v for k, v in parsed.notes.items()},
    }
