"""NMEA 0183 logs read with pynmea2: GGA (fix, satellites, HDOP, height), RMC (date),
GSA (fix mode, DOPs) and GST (position error, used as the point's precision).

Lines with bad checksums or that do not parse are counted and reported, not fatal.
Positions are WGS 84, stored as CGCS2000 unchanged (see gis.geo).
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pynmea2

from gis.errors import InvalidInput
from gis.survey.parsed import ParsedPoint, ParsedSurvey, ParsedTrack, Rejected


def parse_nmea(data: bytes) -> ParsedSurvey:
    """Read an NMEA log; each GGA with a fix becomes a track point."""
    text = data.decode("ascii", errors="replace")
    out = ParsedSurvey("nmea", 4326)
    day: date | None = None
    gsa_modes: dict[str, int] = {}
    bad_checksums = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        try:
            msg = pynmea2.parse(line, check=True)
        except pynmea2.ChecksumError as exc:
            missing = "missing" in str(exc.args[0] if exc.args else "")
            bad_checksums += not missing
            reason = "no checksum (*hh): unverified line" if missing else "bad checksum"
            out.rejected.append(Rejected(number, reason, line[:120]))
            continue
        except pynmea2.ParseError as exc:
            out.rejected.append(
                Rejected(number, f"not an NMEA sentence: {exc.args[0]}", line[:120])
            )
            continue
        try:
            day = _apply(msg, number, day, gsa_modes, out)
        except (ValueError, TypeError, AttributeError, IndexError) as exc:
            out.rejected.append(
                Rejected(number, f"unreadable {type(msg).__name__} fields: {exc}", line[:120])
            )
    out.notes.update(bad_checksums=bad_checksums, gsa_fix_modes=gsa_modes)
    if not out.points:
        raise InvalidInput(
            "NMEA 记录中没有带定位解的 GGA 语句 / the NMEA log holds no GGA position with a fix "
            f"({len(out.rejected)} lines rejected)",
            field="file",
        )
    out.tracks.append(ParsedTrack("track", "NMEA", list(range(len(out.points)))))
    for p in out.points:
        p.track_seq = 0
    return out


def _apply(
    msg: pynmea2.NMEASentence,
    number: int,
    day: date | None,
    gsa_modes: dict[str, int],
    out: ParsedSurvey,
) -> date | None:
    """Use one parsed sentence; returns the current UTC day (RMC carries it)."""
    kind = type(msg).__name__
    if kind == "RMC" and msg.datestamp:
        return msg.datestamp  # type: ignore[no-any-return]
    if kind == "GSA":
        mode = str(getattr(msg, "mode_fix_type", "") or "")
        gsa_modes[mode] = gsa_modes.get(mode, 0) + 1
        if out.points and msg.pdop:
            out.points[-1].pdop = float(msg.pdop) if float(msg.pdop) > 0 else None
    elif kind == "GST" and out.points:
        _apply_gst(out.points[-1], msg)
    elif kind == "GGA":
        point = _from_gga(msg, day, number, out)
        if point is not None:
            out.points.append(point)
    return day


def _from_gga(
    msg: pynmea2.GGA, day: date | None, number: int, out: ParsedSurvey
) -> ParsedPoint | None:
    quality = int(msg.gps_qual or 0)
    if quality == 0 or not msg.lat or not msg.lon:
        out.rejected.append(Rejected(number, "GGA without a position fix (quality 0)"))
        return None
    when = None
    if msg.timestamp is not None:
        when = (
            datetime.combine(day or date(1970, 1, 1), msg.timestamp).replace(
                tzinfo=msg.timestamp.tzinfo or UTC
            )
            if day
            else None
        )
    return ParsedPoint(
        lon=float(msg.longitude),
        lat=float(msg.latitude),
        kind="track",
        elevation_m=float(msg.altitude) if msg.altitude is not None else None,
        observed_at=when,
        fix_quality=quality,
        satellites=int(msg.num_sats) if msg.num_sats else None,
        hdop=float(msg.horizontal_dil) if msg.horizontal_dil else None,
    )


def _apply_gst(point: ParsedPoint, msg: pynmea2.GST) -> None:
    """GST gives 1-sigma latitude and longitude errors (m): precision = their quadratic sum."""
    try:
        lat_err, lon_err = float(msg.std_dev_latitude), float(msg.std_dev_longitude)
    except (TypeError, ValueError):
        return
    point.precision_m = round(math.hypot(lat_err, lon_err), 4)
