"""What a survey file holds once read: points and tracks in EPSG:4490, rejected lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class ParsedPoint:
    """One point in EPSG:4490 (lon, lat) with what the receiver or surveyor reported."""

    lon: float
    lat: float
    kind: str  # boundary | waypoint | track | route
    name: str | None = None
    elevation_m: float | None = None
    observed_at: datetime | None = None
    fix_quality: int | None = None  # NMEA GGA quality: 0 none, 1 GPS, 2 DGPS, 4 RTK fixed, 5 float
    satellites: int | None = None
    hdop: float | None = None
    pdop: float | None = None
    precision_m: float | None = None  # reported mean square error, metres
    declared_class: int | None = None
    track_seq: int | None = None


@dataclass
class ParsedTrack:
    """A track or route: the indexes of its points in :attr:`ParsedSurvey.points`."""

    kind: str
    name: str | None
    point_indexes: list[int]


@dataclass
class Rejected:
    """A line or record that could not be used, and why."""

    line: int
    reason: str
    text: str = ""


@dataclass
class ParsedSurvey:
    """Everything read from one file; coordinates already in EPSG:4490."""

    source_format: str
    source_srid: int
    points: list[ParsedPoint] = field(default_factory=list)
    tracks: list[ParsedTrack] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    notes: dict[str, object] = field(default_factory=dict)
    file_time: datetime | None = None  # the file's own time (GPX metadata), timezone-aware
