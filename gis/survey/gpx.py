"""GPX 1.0 / 1.1 survey files read with gpxpy: waypoints, routes and tracks.

Elevation, time and dilutions of precision are kept; extensions are tolerated (gpxpy
keeps them aside). GPX coordinates are WGS 84, stored as CGCS2000 unchanged (see gis.geo).

Times: the GPX schema types ``<time>`` as xsd:dateTime "in Coordinated Universal Time
(UTC)", so a time written without a zone (``2013-01-01T12:00:00``) is taken as UTC,
and the record says how many were. Times with a zone are converted to UTC. A file may
mix both (gpxpy's own sample files do).
"""

from __future__ import annotations

from datetime import UTC, datetime

import gpxpy
import gpxpy.gpx

from gis.errors import InvalidInput
from gis.survey.parsed import ParsedPoint, ParsedSurvey, ParsedTrack

GPX_FIX = {"none": 0, "2d": 1, "3d": 1, "dgps": 2, "pps": 3}
NAIVE_TIME_NOTE = (
    "{n} 个时间未注明时区，按 GPX 规范视为 UTC",
    "{n} time(s) without a zone taken as UTC, as the GPX schema defines <time>",
)


def parse_gpx(data: bytes, boundary_waypoints: bool = False) -> ParsedSurvey:
    """Read a GPX document; InvalidInput for malformed XML or a file without points."""
    try:
        doc = gpxpy.parse(data.decode("utf-8-sig"))
    except (gpxpy.gpx.GPXException, UnicodeDecodeError, ValueError) as exc:
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise InvalidInput(
            f"不是可读的 GPX 文件 / not a readable GPX file: {reason}", field="file"
        ) from None
    out = ParsedSurvey("gpx", 4326, notes={"gpx_version": doc.version})
    clock = _Clock()
    out.file_time = clock.utc(doc.time)
    kind = "boundary" if boundary_waypoints else "waypoint"
    for wpt in doc.waypoints:
        out.points.append(_point(wpt, kind, clock))
    for route in doc.routes:
        _add_track(out, "route", route.name, route.points, clock)
    for track in doc.tracks:
        for segment in track.segments:
            _add_track(out, "track", track.name, segment.points, clock)
    if not out.points:
        raise InvalidInput(
            "GPX 文件中没有航点、航线点或轨迹点 / "
            "the GPX file holds no waypoints, route points or track points",
            field="file",
        )
    if clock.naive:
        out.notes["naive_times"] = clock.naive
        out.notes["time_note"] = [t.format(n=clock.naive) for t in NAIVE_TIME_NOTE]
    return out


class _Clock:
    """Normalises GPX times to timezone-aware UTC and counts those that had no zone."""

    def __init__(self) -> None:
        self.naive = 0

    def utc(self, when: datetime | None) -> datetime | None:
        if when is None:
            return None
        if when.tzinfo is None or when.utcoffset() is None:
            self.naive += 1
            return when.replace(tzinfo=UTC)
        return when.astimezone(UTC)


def _add_track(out: ParsedSurvey, kind: str, name: str | None, points: list, clock: _Clock) -> None:
    if not points:
        return
    seq = len(out.tracks)
    start = len(out.points)
    for p in points:
        parsed = _point(p, kind, clock)
        parsed.track_seq = seq
        out.points.append(parsed)
    out.tracks.append(ParsedTrack(kind, name, list(range(start, len(out.points)))))


def _point(
    p: gpxpy.gpx.GPXWaypoint | gpxpy.gpx.GPXTrackPoint, kind: str, clock: _Clock
) -> ParsedPoint:
    return ParsedPoint(
        lon=float(p.longitude),
        lat=float(p.latitude),
        kind=kind,
        name=p.name,
        elevation_m=p.elevation,
        observed_at=clock.utc(p.time),
        fix_quality=GPX_FIX.get(p.type_of_gpx_fix or ""),
        satellites=int(p.satellites) if p.satellites is not None else None,
        hdop=_dop(p.horizontal_dilution),
        pdop=_dop(p.position_dilution),
    )


def _dop(value: float | None) -> float | None:
    """A dilution of precision, or None when absent or not a positive finite number."""
    if value is None:
        return None
    dop = float(value)
    return dop if 0 < dop < 1e6 else None
