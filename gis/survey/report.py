"""Survey records and reports as the staff read them.

Who sees what: survey reads need a staff token (surveyor, registrar, inspector, planner,
admin: :data:`READERS`). The surveyor's name is part of the record every
reader may see; the account that uploaded it (``uploaded_by``) only the uploader and an
admin see, for everyone else it is ``None``.

The report compares the surveyed boundary with the register through the ParcelLookup
port; geometries in it are GeoJSON in EPSG:4490.
"""

from __future__ import annotations

from typing import Any

import shapely
import shapely.geometry
from sqlalchemy.orm import Session

from gis.auth.roles import Role
from gis.auth.service import Principal
from gis.errors import NotFound
from gis.settings import get_settings
from gis.survey import repository as repo
from gis.survey.accuracy import CLASSES, FIX_NAMES, PRECISION_SOURCES
from gis.survey.boundary import BoundaryPoint, compare
from gis.survey.checks import outside_m
from gis.survey.models import Survey
from gis.survey.ports import ParcelLookup, RegisteredParcel

READERS = (Role.SURVEYOR, Role.REGISTRAR, Role.INSPECTOR, Role.PLANNER)  # and admins
VERDICTS = {
    "consistent": ("与登记一致", "consistent with the register"),
    "correction_needed": ("界址需更正", "the boundary needs correction"),
    "no_registered_parcel": (
        "无对应登记宗地（可作新宗地）",
        "no registered parcel (may be a new one)",
    ),
    "boundary_invalid": ("界址面有问题，见问题列表", "the boundary has problems: see the list"),
    "no_boundary": (
        "无界址点（轨迹或航点测量）",
        "no boundary points (a track or waypoint survey)",
    ),
}


def survey_or_404(session: Session, survey_id: int) -> Survey:
    survey = repo.get_survey(session, survey_id)
    if survey is None:
        raise NotFound(f"没有测量成果 {survey_id} / no survey {survey_id}", field="survey_id")
    return survey


def may_see_account(survey: Survey, viewer: Principal | None) -> bool:
    """The uploading account is shown to the uploader and to admins only."""
    if viewer is None:
        return False
    return viewer.role == Role.ADMIN or viewer.username == survey.uploaded_by


def describe(survey: Survey, viewer: Principal | None) -> dict[str, Any]:
    """The survey record as ``viewer`` may see it."""
    return {
        "id": survey.id,
        "surveyor": survey.surveyor,
        "instrument": survey.instrument,
        "survey_date": survey.survey_date.isoformat() if survey.survey_date else None,
        "uploaded_by": survey.uploaded_by if may_see_account(survey, viewer) else None,
        "source_format": survey.source_format,
        "source_crs": f"EPSG:{survey.source_srid}",
        "file_name": survey.file_name,
        "sha256": survey.sha256,
        "size_bytes": survey.size_bytes,
        "unit_code": survey.unit_code,
        "summary": survey.summary,
    }


def survey_report(
    session: Session, survey_id: int, lookup: ParcelLookup, viewer: Principal | None = None
) -> dict[str, Any]:
    """The survey, its boundary points with classes, the boundary's problems, findings,
    the registered parcel (by unit code, else the one the boundary overlaps most) and the
    comparison with it, and a verdict in Chinese and English."""
    survey = survey_or_404(session, survey_id)
    points = repo.survey_points(session, survey_id, "boundary")
    checks = survey.summary.get("boundary_checks")
    report: dict[str, Any] = {
        "survey": describe(survey, viewer),
        "boundary_points": [_describe_point(p) for p in points],
        "boundary_checks": checks,
        "findings": survey.summary.get("findings") or [],
        "registered_parcel": None,
        "comparison": None,
        "inside_district": _inside_district(session, lookup, survey),
    }
    wkb = repo.boundary_wkb(session, survey_id)
    parcel = _registered(session, lookup, survey, wkb)
    if parcel is not None:
        report["registered_parcel"] = _parcel(parcel)
    if wkb is None:
        return _verdict(report, "boundary_invalid" if checks else "no_boundary")
    if parcel is None:
        return _verdict(report, "no_registered_parcel")
    bps = [BoundaryPoint(p["name"], p["lon"], p["lat"], p["accuracy_class"]) for p in points]
    report["comparison"] = compare(bps, shapely.from_wkb(wkb), parcel.geometry)
    return _verdict(report, report["comparison"]["verdict"])


def _registered(
    session: Session, lookup: ParcelLookup, survey: Survey, wkb: bytes | None
) -> RegisteredParcel | None:
    if survey.unit_code:
        return lookup.parcel_by_unit_code(session, survey.unit_code)
    return lookup.parcel_overlapping(session, shapely.from_wkb(wkb)) if wkb else None


def _verdict(report: dict[str, Any], code: str) -> dict[str, Any]:
    zh, en = VERDICTS[code]
    report.update(verdict=code, verdict_zh=zh, verdict_en=en)
    return report


def _inside_district(session: Session, lookup: ParcelLookup, survey: Survey) -> bool | None:
    """Whether the survey lies in the district: its extent within the district's extent
    plus the margin surveys are allowed (None: empty register). The margin around a box
    is convex, so the two corners of the survey's extent decide."""
    extent = lookup.district_extent(session)
    if extent is None:
        return None
    margin = get_settings().survey_district_margin_m
    west, south, east, north = survey.summary["extent"]
    return outside_m(extent, west, south) <= margin and outside_m(extent, east, north) <= margin


def _parcel(parcel: RegisteredParcel) -> dict[str, Any]:
    return {
        "id": parcel.id,
        "uid": parcel.uid,
        "unit_code": parcel.unit_code,
        "land_use": parcel.land_use,
        "area_m2": float(parcel.area_m2),
        "geometry": shapely.geometry.mapping(parcel.geometry),
    }


def _plain(value: Any) -> Any:
    return float(value) if hasattr(value, "as_tuple") else value


def _describe_point(p: dict[str, Any]) -> dict[str, Any]:
    grade, fix, source = p["accuracy_class"], p["fix_quality"], p["precision_source"]
    return {
        **{k: _plain(v) for k, v in p.items() if k not in ("observed_at",)},
        "observed_at": p["observed_at"].isoformat() if p["observed_at"] else None,
        "class_name": [CLASSES[grade].name_zh, CLASSES[grade].name_en] if grade else None,
        "fix_name": list(FIX_NAMES[fix]) if fix in FIX_NAMES else None,
        "precision_source_name": list(PRECISION_SOURCES[source]) if source else None,
    }
