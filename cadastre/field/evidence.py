"""Photo evidence (卫片执法): a photo must carry a GPS position (EXIF, else the row's own
point) within a tolerance of its patch or parcel, and a time on or after the date of the
imagery that showed the change; else it is refused with a reason (zh / en)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

GPS_IFD = 0x8825
EXIF_IFD = 0x8769
DATETIME_ORIGINAL = 36867
DATETIME = 306


@dataclass
class PhotoFacts:
    """What a photo says of where and when it was taken (lon/lat EPSG:4326≈4490)."""

    lon: float | None
    lat: float | None
    taken_at: datetime | None


class Refusal(Exception):
    """Evidence refused: ``zh`` and ``en`` say why."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh}；{en}")
        self.zh, self.en = zh, en


def _degrees(value: Any, ref: Any) -> float:
    d, m, s = (float(Fraction(v)) if not isinstance(v, float) else v for v in value)
    sign = -1.0 if str(ref).upper() in ("S", "W") else 1.0
    return sign * (d + m / 60 + s / 3600)


def read_photo(path: Path) -> PhotoFacts:
    """GPS position and time from a photo's EXIF (None where it has none)."""
    try:
        with Image.open(path) as img:
            exif = img.getexif()
    except (UnidentifiedImageError, OSError) as exc:
        raise Refusal("照片无法读取", f"the photo cannot be read ({exc})") from exc
    gps = exif.get_ifd(GPS_IFD)
    lon = lat = None
    try:
        if 2 in gps and 4 in gps:
            lat = _degrees(gps[2], gps.get(1, "N"))
            lon = _degrees(gps[4], gps.get(3, "E"))
    except (TypeError, ValueError, ZeroDivisionError):
        lon = lat = None
    raw = exif.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL) or exif.get(DATETIME)
    taken = None
    if raw:
        try:
            taken = datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
        except ValueError:
            taken = None
    return PhotoFacts(lon, lat, taken)


def check_time(facts: PhotoFacts, imagery: date | None, taken_column: str | None) -> datetime:
    """The photo's time, refused when unknown or before the imagery's date."""
    taken = facts.taken_at
    if taken is None and taken_column:
        try:
            taken = datetime.fromisoformat(taken_column)
        except ValueError:
            taken = None
    if taken is None:
        raise Refusal("照片没有拍摄时间", "the photo has no time (EXIF DateTimeOriginal)")
    if imagery is not None and taken.date() < imagery:
        raise Refusal(
            f"照片拍摄于 {taken.date()}，早于影像日期 {imagery}",
            f"the photo was taken on {taken.date()}, before the imagery of {imagery}",
        )
    return taken


def check_distance(distance_m: float, tolerance_m: float, what_zh: str, what_en: str) -> None:
    """Refuse a photo taken farther than ``tolerance_m`` from its patch or parcel."""
    if distance_m > tolerance_m:
        raise Refusal(
            f"照片位置距{what_zh} {distance_m:.0f} 米，超过容差 {tolerance_m:.0f} 米",
            f"the photo was taken {distance_m:.0f} m from its {what_en}, "
            f"beyond the tolerance of {tolerance_m:.0f} m",
        )
