"""Checks of where and when a survey was made, before it is stored.

- Where: a survey lies in the district (the box of its cadastral zones, plus a margin)
  or is refused unless forced; a survey for a parcel has its points near that parcel,
  else that is a finding naming the distance and the parcels the survey does lie on.
- When: the survey date comes from the form, else from plausible point times (GPS time
  began on 1980-01-06; a 1901 time is a receiver that had no fix of the clock), else from
  the file's own time (GPX metadata).

Distances are metres on the sphere (haversine, for a district check 8,900 km away) or in
an azimuthal equidistant projection centred on the parcel (for distances to a parcel);
every place named is lon/lat in EPSG:4490.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely import Geometry
from sqlalchemy.orm import Session

from gis.errors import InvalidInput
from gis.survey.boundary import finding
from gis.survey.parsed import ParsedPoint, ParsedSurvey
from gis.survey.ports import Extent, ParcelLookup

EARTH_RADIUS_M = 6_371_008.8
GPS_EPOCH = datetime(1980, 1, 6, tzinfo=UTC)
NEAR_PARCELS = 3


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres between two lon/lat points (degrees)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def outside_m(extent: Extent, lon: float, lat: float) -> float:
    """Metres from (lon, lat) to the nearest point of the extent (0 inside it)."""
    near_lon = min(max(lon, extent.west), extent.east)
    near_lat = min(max(lat, extent.south), extent.north)
    return haversine_m(lon, lat, near_lon, near_lat)


def _label(p: ParsedPoint, number: int) -> str:
    return p.name or f"#{number}"


def _km(metres: float) -> str:
    return f"{metres / 1000:,.1f} km" if metres >= 1000 else f"{metres:,.1f} m"


def check_district(
    session: Session, lookup: ParcelLookup, parsed: ParsedSurvey, margin_m: float, force: bool
) -> list[dict[str, Any]]:
    """Refuse (unless ``force``) a survey with points beyond the district's extent + margin;
    a forced one gets a finding. No district (empty register): nothing to check."""
    extent = lookup.district_extent(session)
    if extent is None:
        return []
    far = [(outside_m(extent, p.lon, p.lat), i, p) for i, p in enumerate(parsed.points, 1)]
    far = [f for f in far if f[0] > margin_m]
    if not far:
        return []
    dist, number, worst = max(far, key=lambda f: f[0])
    at = f"{worst.lon:.6f}, {worst.lat:.6f}"
    zh = (
        f"{len(far)}/{len(parsed.points)} 个点位于辖区范围（外扩 {margin_m:,.0f} 米）之外，"
        f"最远的点 {_label(worst, number)} 距辖区 {_km(dist)}，位于 {at}"
    )
    en = (
        f"{len(far)} of {len(parsed.points)} points lie outside the district's extent "
        f"(plus {margin_m:,.0f} m); the farthest, {_label(worst, number)}, is {_km(dist)} "
        f"away at lon/lat {at}"
    )
    if not force:
        raise InvalidInput(
            f"{zh}，如确属本次测量请以 force=true 重新上传；{en}: check the file and its "
            "coordinates, or send force=true (CLI --force) to import it anyway",
            field="geometry",
        )
    return [
        finding("outside_district", zh, en, worst.lon, worst.lat, distance_m=round(dist, 1),
                points=len(far), forced=True)
    ]  # fmt: skip


def check_parcel(
    session: Session,
    lookup: ParcelLookup,
    parsed: ParsedSurvey,
    unit_code: str,
    tolerance_m: float,
) -> list[dict[str, Any]]:
    """Findings for a survey said to be for parcel ``unit_code``: its points (boundary
    points and waypoints, else all) farther than ``tolerance_m`` from the parcel.
    An unknown unit code is refused."""
    parcel = lookup.parcel_by_unit_code(session, unit_code)
    if parcel is None:
        raise InvalidInput(
            f"没有不动产单元号为 {unit_code} 的现行宗地；"
            f"no current parcel has the unit code {unit_code}",
            field="unit_code",
        )
    points = [p for p in parsed.points if p.kind in ("boundary", "waypoint")] or parsed.points
    distances = distances_to(parcel.geometry, [(p.lon, p.lat) for p in points])
    far = [(float(d), i, p) for i, (d, p) in enumerate(zip(distances, points, strict=True), 1)]
    far = [f for f in far if f[0] > tolerance_m]
    if not far:
        return []
    dist, number, worst = max(far, key=lambda f: f[0])
    hull = shapely.MultiPoint([(p.lon, p.lat) for p in points]).convex_hull
    near = [p.unit_code for p in lookup.parcels_near(session, hull, tolerance_m, NEAR_PARCELS)]
    near_zh = f"；测量点附近的宗地：{', '.join(near)}" if near else ""
    near_en = f"; the points lie on or near {', '.join(near)}" if near else ""
    at = f"{worst.lon:.6f}, {worst.lat:.6f}"
    return [
        finding(
            "far_from_parcel",
            f"{len(far)}/{len(points)} 个点距宗地 {unit_code} 超过 {tolerance_m:,.0f} 米，最远的点 "
            f"{_label(worst, number)} 相距 {_km(dist)}，位于 {at}{near_zh}",
            f"{len(far)} of {len(points)} points lie farther than {tolerance_m:,.0f} m from parcel "
            f"{unit_code}; the farthest, {_label(worst, number)}, is {_km(dist)} away at lon/lat "
            f"{at}{near_en}",
            worst.lon,
            worst.lat,
            distance_m=round(dist, 1),
            points=len(far),
            parcels_near=near,
        )
    ]


def distances_to(geometry: Geometry, lonlat: list[tuple[float, float]]) -> np.ndarray:
    """Metres from each lon/lat point to ``geometry`` (EPSG:4490), measured in an azimuthal
    equidistant projection centred on the geometry (exact near it, close far from it)."""
    centre = geometry.centroid
    aeqd = CRS.from_proj4(f"+proj=aeqd +lat_0={centre.y} +lon_0={centre.x} +ellps=GRS80 +units=m")
    to_local = Transformer.from_crs(CRS.from_epsg(4490), aeqd, always_xy=True)
    local = shapely.transform(geometry, lambda xy: np.column_stack(to_local.transform(*xy.T)))
    xs, ys = to_local.transform(*np.array(lonlat, dtype=float).T)
    return np.asarray(shapely.distance(local, shapely.points(np.column_stack([xs, ys]))))


def survey_day(
    given: date | None, parsed: ParsedSurvey, now: datetime | None = None
) -> tuple[date | None, str | None, int]:
    """(survey date, where it came from, number of implausible point times).

    Sources: ``form`` (what the surveyor said), ``point_times`` (the earliest plausible
    point time), ``file_metadata`` (the file's own time, when no point time is plausible)."""
    latest = (now or datetime.now(UTC)) + timedelta(days=1)
    times = [p.observed_at for p in parsed.points if p.observed_at is not None]
    plausible = [t for t in times if GPS_EPOCH <= t <= latest]
    implausible = len(times) - len(plausible)
    if given is not None:
        return given, "form", implausible
    if plausible:
        return min(plausible).date(), "point_times", implausible
    if parsed.file_time is not None and GPS_EPOCH <= parsed.file_time <= latest:
        return parsed.file_time.date(), "file_metadata", implausible
    return None, None, implausible


def plausible_span(parsed: ParsedSurvey, now: datetime | None = None) -> list[str] | None:
    """[first, last] plausible point time (ISO 8601, UTC), or None."""
    latest = (now or datetime.now(UTC)) + timedelta(days=1)
    times = sorted(
        p.observed_at
        for p in parsed.points
        if p.observed_at is not None and GPS_EPOCH <= p.observed_at <= latest
    )
    return [times[0].isoformat(), times[-1].isoformat()] if times else None
