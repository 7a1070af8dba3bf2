"""Survey imports and reports: read the file, classify points, build and compare the boundary.

The service owns the transaction; the original file is kept only once everything
read and the rows are written, so a refused file leaves nothing behind.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import shapely
from sqlalchemy.orm import Session

from gis.errors import InvalidInput, NotFound
from gis.settings import get_settings
from gis.survey import repository as repo
from gis.survey.accuracy import CLASSES, FIX_NAMES, classify
from gis.survey.boundary import BoundaryPoint, build_polygon, compare
from gis.survey.csvpoints import parse_points_csv
from gis.survey.gpx import parse_gpx
from gis.survey.models import Survey, SurveyPoint, SurveyTrack
from gis.survey.nmea import parse_nmea
from gis.survey.parsed import ParsedSurvey
from gis.survey.storage import keep_original, sha256_of
from gis.survey.vector import parse_vector

NMEA_SUFFIXES = {".nmea", ".nma", ".log", ".txt", ".ubx"}


@dataclass
class SurveyMeta:
    """What the surveyor says about the file (the rest is read from it)."""

    surveyor: str
    instrument: str = ""
    survey_date: date | None = None
    srid: int | None = None
    unit_code: str | None = None
    boundary_waypoints: bool = False


def read_survey_file(path: Path, name: str, meta: SurveyMeta) -> ParsedSurvey:
    """Parse any supported survey file by its suffix (and CSV header)."""
    suffix = Path(name).suffix.lower()
    max_bytes = get_settings().upload_max_bytes
    if path.stat().st_size == 0:
        raise InvalidInput("the file is empty", field="file")
    if suffix == ".gpx":
        return parse_gpx(path.read_bytes(), meta.boundary_waypoints)
    if suffix in NMEA_SUFFIXES:
        return parse_nmea(path.read_bytes())
    if suffix == ".csv" and "wkt" not in path.open("rb").readline().decode("latin-1").lower():
        return parse_points_csv(path.read_bytes(), meta.srid)
    with tempfile.TemporaryDirectory(prefix="landgis-survey-") as work:
        local = Path(work) / (Path(name).name or f"upload{suffix}")
        local.symlink_to(path.resolve())
        return parse_vector(local, Path(work) / "x", meta.srid, max_bytes)


def import_survey(
    session: Session, path: Path, name: str, meta: SurveyMeta, uploaded_by: str
) -> Survey:
    """Read, check and store a survey; commits. Raises InvalidInput with nothing stored."""
    if not meta.surveyor.strip():
        raise InvalidInput("the surveyor's name is required", field="surveyor")
    parsed = read_survey_file(path, name, meta)
    _check_lonlat(parsed)
    points = _point_rows(parsed)
    boundary = [
        BoundaryPoint(p.name, p.lon, p.lat, row.accuracy_class)
        for p, row in zip(parsed.points, points, strict=True)
        if p.kind == "boundary"
    ]
    polygon, checks = build_polygon(boundary) if len(boundary) >= 3 else (None, None)
    sha = sha256_of(path)
    survey = Survey(
        surveyor=meta.surveyor.strip(),
        instrument=meta.instrument.strip(),
        survey_date=meta.survey_date or _first_day(parsed),
        uploaded_by=uploaded_by,
        source_format=parsed.source_format,
        source_srid=parsed.source_srid,
        file_name=Path(name).name[:255],
        file_path="",
        sha256=sha,
        size_bytes=path.stat().st_size,
        unit_code=meta.unit_code or None,
        summary=_summary(parsed, points, checks),
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
    survey.file_path = str(keep_original(path, sha, Path(name).suffix))
    session.commit()
    return survey


def _check_lonlat(parsed: ParsedSurvey) -> None:
    """Refuse points outside longitude/latitude range (GPX and NMEA carry no other CRS)."""
    for number, p in enumerate(parsed.points, start=1):
        if not (-180 <= p.lon <= 180 and -90 <= p.lat <= 90):
            raise InvalidInput(
                f"point {p.name or number} at ({p.lon}, {p.lat}) lies outside the range of "
                f"EPSG:{parsed.source_srid} (longitude ±180, latitude ±90)",
                field="geometry",
            )


def _point_rows(parsed: ParsedSurvey) -> list[SurveyPoint]:
    rows = []
    for seq, p in enumerate(parsed.points, start=1):
        grade, flag = classify(p.precision_m, p.fix_quality, p.declared_class)
        rows.append(
            SurveyPoint(
                seq=seq,
                kind=p.kind,
                name=(p.name or "")[:64] or None,
                track_seq=p.track_seq,
                elevation_m=p.elevation_m,
                observed_at=p.observed_at,
                fix_quality=p.fix_quality,
                satellites=p.satellites,
                hdop=p.hdop,
                precision_m=p.precision_m,
                declared_class=p.declared_class,
                accuracy_class=grade,
                flag=flag[:200] if flag else None,
                geom=f"SRID=4490;POINT({p.lon!r} {p.lat!r})",
            )
        )
    return rows


def _line_wkt(parsed: ParsedSurvey, indexes: list[int]) -> str:
    coords = ", ".join(f"{parsed.points[i].lon!r} {parsed.points[i].lat!r}" for i in indexes)
    return f"SRID=4490;LINESTRING({coords})"


def _first_day(parsed: ParsedSurvey) -> date | None:
    times = [p.observed_at for p in parsed.points if p.observed_at]
    return min(times).date() if times else None


def _summary(parsed: ParsedSurvey, points: list[SurveyPoint], checks: dict | None) -> dict:
    lons = [p.lon for p in parsed.points]
    lats = [p.lat for p in parsed.points]
    times = sorted(p.observed_at for p in parsed.points if p.observed_at)
    by_kind: dict[str, int] = {}
    for p in points:
        by_kind[p.kind] = by_kind.get(p.kind, 0) + 1
    classes = {str(c): sum(p.accuracy_class == c for p in points) for c in CLASSES}
    return {
        "points": len(points),
        "points_by_kind": by_kind,
        "tracks": len(parsed.tracks),
        "extent": [min(lons), min(lats), max(lons), max(lats)],
        "time_span": [times[0].isoformat(), times[-1].isoformat()] if times else None,
        "accuracy_classes": classes,
        "flagged_points": sum(p.accuracy_class is None for p in points if p.kind == "boundary"),
        "rejected_count": len(parsed.rejected),
        "rejected": [
            {"line": r.line, "reason": r.reason, "text": r.text} for r in parsed.rejected[:500]
        ],
        "boundary_checks": checks,
        **{k: v for k, v in parsed.notes.items()},
    }


def survey_or_404(session: Session, survey_id: int) -> Survey:
    survey = repo.get_survey(session, survey_id)
    if survey is None:
        raise NotFound(f"no survey {survey_id}", field="survey_id")
    return survey


def survey_report(session: Session, survey_id: int) -> dict[str, Any]:
    """The survey, its points with classes, boundary checks and the comparison with the register."""
    survey = survey_or_404(session, survey_id)
    points = repo.survey_points(session, survey_id)
    boundary_pts = [p for p in points if p["kind"] == "boundary"]
    report: dict[str, Any] = {
        "survey": describe(survey),
        "boundary_points": [_describe_point(p) for p in boundary_pts],
        "boundary_checks": survey.summary.get("boundary_checks"),
        "registered_parcel": None,
        "comparison": None,
    }
    wkb = repo.boundary_wkb(session, survey_id)
    if wkb is None:
        return report
    parcel = repo.registered_parcel(session, wkb, survey.unit_code)
    if parcel is None:
        report["verdict"] = "no_registered_parcel"
        report["verdict_zh"] = "无对应登记宗地（可作新宗地）"
        return report
    reg_geom = shapely.from_wkb(bytes(parcel.pop("wkb")))
    bps = [BoundaryPoint(p["name"], p["lon"], p["lat"], p["accuracy_class"]) for p in boundary_pts]
    report["registered_parcel"] = {k: _plain(v) for k, v in parcel.items()}
    report["comparison"] = compare(bps, shapely.from_wkb(wkb), reg_geom)
    report["verdict"] = report["comparison"]["verdict"]
    report["verdict_zh"] = report["comparison"]["verdict_zh"]
    return report


def _plain(value: Any) -> Any:
    return float(value) if hasattr(value, "as_tuple") else value


def _describe_point(p: dict[str, Any]) -> dict[str, Any]:
    grade = p["accuracy_class"]
    fix = p["fix_quality"]
    return {
        **{k: _plain(v) for k, v in p.items() if k not in ("observed_at",)},
        "observed_at": p["observed_at"].isoformat() if p["observed_at"] else None,
        "class_name": [CLASSES[grade].name_zh, CLASSES[grade].name_en] if grade else None,
        "fix_name": list(FIX_NAMES[fix]) if fix in FIX_NAMES else None,
    }


def describe(survey: Survey) -> dict[str, Any]:
    return {
        "id": survey.id,
        "surveyor": survey.surveyor,
        "instrument": survey.instrument,
        "survey_date": survey.survey_date.isoformat() if survey.survey_date else None,
        "uploaded_by": survey.uploaded_by,
        "source_format": survey.source_format,
        "source_crs": f"EPSG:{survey.source_srid}",
        "file_name": survey.file_name,
        "sha256": survey.sha256,
        "size_bytes": survey.size_bytes,
        "unit_code": survey.unit_code,
        "summary": survey.summary,
    }
