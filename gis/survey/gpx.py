"""GPX 1.0 / 1.1 survey files read with gpxpy: waypoints, routes and tracks.

Elevation and time are kept; extensions are tolerated (gpxpy keeps them aside).
GPX coordinates are WGS 84, stored as CGCS2000 unchanged (see gis.geo).
"""

from __future__ import annotations

import gpxpy
import gpxpy.gpx

from gis.errors import InvalidInput
from gis.survey.parsed import ParsedPoint, ParsedSurvey, ParsedTrack

GPX_FIX = {"none": 0, "2d": 1, "3d": 1, "dgps": 2, "pps": 3}


def parse_gpx(data: bytes, boundary_waypoints: bool = False) -> ParsedSurvey:
    """Read a GPX document; InvalidInput for malformed XML or a file without points."""
    try:
        doc = gpxpy.parse(data.decode("utf-8-sig"))
    except (gpxpy.gpx.GPXException, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput(f"not a readable GPX file: {exc}", field="file") from None
    out = ParsedSurvey("gpx", 4326, notes={"gpx_version": doc.version})
    kind = "boundary" if boundary_waypoints else "waypoint"
    for wpt in doc.waypoints:
        out.points.append(_point(wpt, kind))
    for route in doc.routes:
        _add_track(out, "route", route.name, route.points)
    for track in doc.tracks:
        for segment in track.segments:
            _add_track(out, "track", track.name, segment.points)
    if not out.points:
        raise InvalidInput(
            "the GPX file holds no waypoints, route points or track points", field="file"
        )
    return out


def _add_track(out: ParsedSurvey, kind: str, name: str | None, points: list) -> None:
    if not points:
        return
    seq = len(out.tracks)
    start = len(out.points)
    for p in points:
        parsed = _point(p, kind)
        parsed.track_seq = seq
        out.points.append(parsed)
    out.tracks.append(ParsedTrack(kind, name, list(range(start, len(out.points)))))


def _point(p: gpxpy.gpx.GPXWaypoint | gpxpy.gpx.GPXTrackPoint, kind: str) -> ParsedPoint:
    return ParsedPoint(
        lon=float(p.longitude),
        lat=float(p.latitude),
        kind=kind,
        name=p.name,
        elevation_m=p.elevation,
        observed_at=p.time,
        fix_quality=GPX_FIX.get(p.type_of_gpx_fix or ""),
        satellites=int(p.satellites) if p.satellites is not None else None,
        hdop=p.horizontal_dilution,
    )
