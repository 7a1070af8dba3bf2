"""The one place that sets request limits (issue 12, "bounded anonymous work").

- Body size per route class (:func:`budget`): anonymous JSON 1 MiB, staff JSON a few MiB,
  uploads by route; :mod:`gis.edge` refuses a larger body before it is read.
- A statement timeout per route class: ``SET LOCAL statement_timeout`` at the start of
  every transaction of a request (:func:`statement_timeout`), so no anonymous request
  runs longer than a few seconds in the database.
- Geometries users send (:func:`check_geometry`): vertices, area, within the district's
  extent plus a margin; batch sizes (:func:`check_batch`); text free of NUL and lone
  surrogates (:func:`check_text`); lon/lat boxes in query strings (:func:`lonlat_bbox`).
- The per-address rate-limit rules (:data:`RATE_RULES`, counted by :mod:`gis.ratelimit`).

Every number comes from :mod:`gis.settings` (the ``limit_*`` and ``rate_*`` settings).
"""

from __future__ import annotations

import contextvars
import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from gis.collections import Collection
from gis.errors import InvalidInput
from gis.settings import Settings, get_settings

INT64_MAX = 2**63 - 1
INT32_MAX = 2**31 - 1
MULTIPART_OVERHEAD = 1024 * 1024  # form fields and part headers around the files


@dataclass(frozen=True)
class Budget:
    """What one request may cost: body bytes and database statement time (ms, 0 = none)."""

    body_bytes: int
    statement_ms: int
    anonymous: bool


# Upload routes (method, path pattern) -> body limit (settings, staff?) -> bytes.
UploadLimit = Callable[[Settings, bool], int]
UPLOAD_ROUTES: list[tuple[str, re.Pattern[str], UploadLimit]] = [
    (
        "POST",
        re.compile(r"^/api/v1/cases/online$"),
        lambda s, staff: s.limit_online_request_bytes + MULTIPART_OVERHEAD,
    ),
    (
        "POST",
        re.compile(r"^/api/v1/certificates/verify$"),
        lambda s, staff: 20 * 1024 * 1024 + MULTIPART_OVERHEAD,
    ),
]


def budget(method: str, path: str, content_type: str, staff: bool) -> Budget:
    """The limits of one request, by route class: anonymous or staff, JSON or upload."""
    s = get_settings()
    statement_ms = s.limit_staff_statement_ms if staff else s.limit_anonymous_statement_ms
    for m, pattern, limit in UPLOAD_ROUTES:
        if m == method and pattern.match(path):
            return Budget(limit(s, staff), statement_ms, not staff)
    if staff and content_type.startswith("multipart/"):
        body = s.upload_max_bytes + MULTIPART_OVERHEAD
    else:
        body = s.limit_staff_body_bytes if staff else s.limit_anonymous_body_bytes
    return Budget(body, statement_ms, not staff)


# --- statement timeout -------------------------------------------------------------------

_statement_ms: contextvars.ContextVar[int] = contextvars.ContextVar(
    "landgis_statement_ms", default=0
)
_installed = False


@contextmanager
def statement_timeout(ms: int) -> Iterator[None]:
    """Every transaction begun inside (this task and the threads it starts work in, which
    copy its context) sets ``statement_timeout`` to ``ms`` (0: leave the server's)."""
    token = _statement_ms.set(ms)
    try:
        yield
    finally:
        _statement_ms.reset(token)


def _on_begin(session: Session, transaction: Any, connection: Any) -> None:
    ms = _statement_ms.get()
    if ms > 0:
        connection.execute(text(f"SET LOCAL statement_timeout = {int(ms)}"))


def install_statement_timeout() -> None:
    """Listen for every session's transaction start (once per process)."""
    global _installed
    if not _installed:
        event.listen(Session, "after_begin", _on_begin)
        _installed = True


# --- text --------------------------------------------------------------------------------

_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")


def bad_text(value: str) -> str | None:
    """Why ``value`` cannot be stored as text (a NUL or a lone surrogate), else None."""
    found = _BAD_CHARS.search(value)
    if found is None:
        return None
    return "a NUL character" if found.group() == "\x00" else "a lone surrogate"


def check_text(value: str | None, field: str) -> None:
    """Refuse text the database cannot store: 422 naming ``field``."""
    why = bad_text(value) if value else None
    if why:
        raise InvalidInput(f"文本含有非法字符；the text holds {why}", field=field)


def lonlat_bbox(value: str | None, field: str = "bbox") -> tuple[float, float, float, float] | None:
    """A query's ``minlon,minlat,maxlon,maxlat`` (EPSG:4490 degrees), None when absent;
    anything else (not four finite numbers, off the globe, min above max) is a 422 naming
    ``field``."""
    if not value:
        return None
    try:
        box = tuple(float(v) for v in value.split(","))
    except ValueError:
        box = ()
    if (
        len(box) != 4
        or not all(math.isfinite(v) for v in box)
        or not (-180 <= box[0] <= box[2] <= 180 and -90 <= box[1] <= box[3] <= 90)
    ):
        raise InvalidInput(
            "范围应为 最小经度,最小纬度,最大经度,最大纬度；"
            "bbox is minlon,minlat,maxlon,maxlat (EPSG:4490 degrees)",
            field=field,
        )
    return box[0], box[1], box[2], box[3]


# A JSON escape of NUL or of a lone surrogate, not itself escaped (odd backslashes).
_ODD = r"(?<!\\)(?:\\\\)*"
_JSON_BAD = re.compile(
    _ODD + r"\\u(?:0000"
    r"|d[89ab][0-9a-f]{2}(?!\\ud[c-f][0-9a-f]{2})"
    r"|(?<!\\ud[89ab][0-9a-f]{2}\\u)d[c-f][0-9a-f]{2})",
    re.IGNORECASE,
)


def bad_json_text(raw: str) -> bool:
    """True when JSON text escapes a NUL or a lone surrogate inside a string."""
    return _JSON_BAD.search(raw) is not None


# --- geometries and batches --------------------------------------------------------------


def _vertices(coords: Any, limit: int, count: int = 0) -> int:
    """Count positions in nested GeoJSON coordinates, stopping just past ``limit``."""
    if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
        return count + 1
    if not isinstance(coords, (list, tuple)):
        return count
    for part in coords:
        count = _vertices(part, limit, count)
        if count > limit:
            break
    return count


def _geometry_vertices(geojson: dict[str, Any], limit: int) -> int:
    if geojson.get("type") == "GeometryCollection":
        parts = geojson.get("geometries") or []
        return sum(_vertices(g.get("coordinates"), limit) for g in parts if isinstance(g, dict))
    return _vertices(geojson.get("coordinates"), limit)


def district_extent(session: Session, district: Collection) -> list[float] | None:
    """[minx, miny, maxx, maxy] lon/lat of the ``district`` collection's rows (cached a
    minute), or None (no rows yet)."""
    from gis.ogc.repository import extent

    return extent(session, district)


def check_geometry(
    geojson: Any,
    field: str = "geometry",
    session: Session | None = None,
    within: Collection | None = None,
) -> None:
    """The one validator of user-sent GeoJSON geometries (lon/lat): at most
    ``limit_geometry_vertices`` vertices (counted before any parsing), at most
    ``limit_geometry_area_km2``, and (given ``within``, the collection that makes the
    district, e.g. the current parcels) inside its extent plus a margin. Staff edits pass
    none: their own placement rules (subzone, topology) name the field at fault more
    precisely."""
    if not isinstance(geojson, dict):
        return  # the caller's own parser says what is wrong with it
    s = get_settings()
    n = _geometry_vertices(geojson, s.limit_geometry_vertices)
    if n > s.limit_geometry_vertices:
        raise InvalidInput(
            f"几何图形顶点过多；the geometry has more than {s.limit_geometry_vertices} vertices",
            field=field,
        )
    box = _bounds(geojson)
    if box is None:
        return
    minx, miny, maxx, maxy = box
    if _area_km2(box) > s.limit_geometry_area_km2:
        raise InvalidInput(
            f"几何图形范围过大；the geometry spans more than {s.limit_geometry_area_km2:g} km²",
            field=field,
        )
    if within is not None and session is None:
        raise ValueError("check_geometry(within=...) reads the district in the caller's session")
    ext = None if within is None or session is None else district_extent(session, within)
    if ext is None:
        return
    m = s.limit_extent_margin_deg
    if minx < ext[0] - m or miny < ext[1] - m or maxx > ext[2] + m or maxy > ext[3] + m:
        raise InvalidInput(
            "几何图形超出本辖区范围；the geometry lies outside the district's extent", field=field
        )


def _bounds(geojson: dict[str, Any]) -> tuple[float, float, float, float] | None:
    """Bounding box of the positions (only numbers; None when there are none)."""
    xs: list[float] = []
    ys: list[float] = []

    def walk(c: Any) -> None:
        if isinstance(c, (list, tuple)) and len(c) >= 2 and isinstance(c[0], (int, float)):
            if isinstance(c[1], (int, float)):
                xs.append(float(c[0]))
                ys.append(float(c[1]))
        elif isinstance(c, (list, tuple)):
            for part in c:
                walk(part)

    if geojson.get("type") == "GeometryCollection":
        for g in geojson.get("geometries") or []:
            if isinstance(g, dict):
                walk(g.get("coordinates"))
    else:
        walk(geojson.get("coordinates"))
    if not xs or not all(math.isfinite(v) for v in xs + ys):
        return None
    return min(xs), min(ys), max(xs), max(ys)


def _area_km2(box: tuple[float, float, float, float]) -> float:
    """Area of a lon/lat box, km² (an upper bound of the geometry's own area)."""
    minx, miny, maxx, maxy = box
    lat = math.radians((max(min(miny, 90), -90) + max(min(maxy, 90), -90)) / 2)
    return (maxx - minx) * 111.32 * math.cos(lat) * (maxy - miny) * 110.57


def check_batch(count: int, field: str = "items") -> None:
    """At most ``limit_batch_items`` items in one batch request."""
    limit = get_settings().limit_batch_items
    if count > limit:
        raise InvalidInput(f"一次最多 {limit} 项；a batch holds at most {limit} items", field=field)


# --- rate-limit rules --------------------------------------------------------------------


@dataclass(frozen=True)
class RateRule:
    """Anonymous requests matching ``method`` and ``path`` (and ``when`` on the query)
    are counted per client address; ``setting`` names the allowed count per window."""

    name: str
    method: str
    path: re.Pattern[str]
    setting: str
    when: Callable[[dict[str, str]], bool] = lambda query: True


def _large_page(query: dict[str, str]) -> bool:
    raw = query.get("limit", "")
    return raw.isdigit() and int(raw) > get_settings().rate_large_page_items


RATE_RULES: list[RateRule] = [
    RateRule("compliance", "POST", re.compile(r"^/api/v1/planning/compliance$"), "rate_compliance"),
    RateRule(
        "compliance-batch",
        "POST",
        re.compile(r"^/api/v1/planning/compliance/batch$"),
        "rate_compliance_batch",
    ),
    RateRule("online", "POST", re.compile(r"^/api/v1/cases/online$"), "rate_online_submissions"),
    RateRule(
        "upload", "POST", re.compile(r"^/api/v1/certificates/verify$"), "rate_anonymous_uploads"
    ),
    RateRule("pages", "GET", re.compile(r"/items$"), "rate_large_pages", _large_page),
    RateRule("pages", "GET", re.compile(r"^/api/v1/[a-z-]+$"), "rate_large_pages", _large_page),
]


def rate_rule(method: str, path: str, query: dict[str, str]) -> tuple[RateRule, int] | None:
    """The rule (and its allowed count per window) an anonymous request falls under."""
    s = get_settings()
    for rule in RATE_RULES:
        if rule.method == method and rule.path.search(path) and rule.when(query):
            allowed = int(getattr(s, rule.setting))
            return (rule, allowed) if allowed > 0 else None
    return None
