"""The demo register's past, so the time slider and OGC API ``datetime`` have one to replay.

The district is taken as surveyed three years before the demo was loaded; then a dozen
edits (splits, merges, land-use changes) happen on dates spread over the last two years.
Each edit goes through the register's own services (topology checks, lineage, rights
carried, journal) with the clock set to its date, as a back-entry of a legacy register's
history (历史数据补录) would; only this code sets that clock (``session.info``).
Deterministic for a seed; runs in the caller's transaction and does not commit.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import shapely
from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from cadastre.parcels import service
from cadastre.parcels.repository import HISTORY_CLOCK, clock
from gis.errors import LandgisError

BIRTH_YEARS_AGO = 3
PLAN = ("split", "merge", "change") * 5  # 15 edits, a month or two apart
ACTOR = "demo-history"
CHANGED_USE = {"0601": "0502", "0502": "0501", "0701": "0702", "0101": "0103"}

_BACKDATE = (
    "UPDATE parcel SET begin_lifespan = :birth WHERE end_lifespan IS NULL",
    "UPDATE baunit SET begin_lifespan = :birth WHERE end_lifespan IS NULL",
    "UPDATE rrr SET begin_lifespan = :birth WHERE end_lifespan IS NULL",
    "UPDATE party SET begin_lifespan = :birth WHERE end_lifespan IS NULL",
)
_CANDIDATES = (
    "SELECT unit_code, ST_AsBinary(geom) AS wkb FROM parcel WHERE end_lifespan IS NULL "
    "AND area_m2 BETWEEN 1500 AND 40000 ORDER BY md5(unit_code || :seed) LIMIT 60"
)
_PAIRS = (
    "SELECT a.unit_code AS a, b.unit_code AS b FROM parcel a JOIN parcel b "
    "ON a.subzone_code = b.subzone_code AND a.unit_code < b.unit_code "
    "AND substr(a.unit_code, 13, 2) = substr(b.unit_code, 13, 2) "
    "AND a.reg_status = b.reg_status AND a.geom && b.geom "
    "AND ST_Dimension(ST_Intersection(a.geom, b.geom)) = 1 "
    "WHERE a.end_lifespan IS NULL AND b.end_lifespan IS NULL "
    "AND a.unit_code IN (SELECT unit_code FROM parcel WHERE end_lifespan IS NULL "
    "ORDER BY md5(unit_code || :seed) LIMIT 300) LIMIT 40"
)
_CHANGEABLE = (
    "SELECT unit_code, land_use FROM parcel WHERE end_lifespan IS NULL AND land_use IN :uses "
    "ORDER BY md5(unit_code || :seed) LIMIT 40"
)


def replay_demo_history(session: Session, seed: int, now: datetime | None = None) -> int:
    """Date the demo three years back, then make its past edits; returns how many were made."""
    now = now or clock(session)
    birth = (now - timedelta(days=365 * BIRTH_YEARS_AGO)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    # dating every right back changes no share nor status: the one-owner check would only
    # take one advisory lock per unit at commit (200,000 units overflow the lock table)
    session.execute(text("ALTER TABLE rrr DISABLE TRIGGER rrr_one_owner"))
    for sql in _BACKDATE:
        session.execute(text(sql), {"birth": birth})
    session.execute(text("ALTER TABLE rrr ENABLE TRIGGER rrr_one_owner"))
    made = 0
    attempts = {kind: _attempts(session, kind, str(seed)) for kind in set(PLAN)}
    for kind, day in zip(PLAN, _edit_days(now, seed, len(PLAN)), strict=True):
        session.info[HISTORY_CLOCK] = day
        try:
            made += _first_that_works(attempts[kind])
        finally:
            del session.info[HISTORY_CLOCK]
    return made


def _edit_days(now: datetime, seed: int, n: int) -> list[datetime]:
    """``n`` office-hour instants over the last two years (hours in the clock's zone:
    Beijing time on the local cluster), oldest first, a week before now at the latest,
    spread evenly with a seeded jitter of a few days."""
    span = timedelta(days=730)
    step = span / n
    days = []
    for i in range(n):
        jitter = timedelta(days=zlib.crc32(f"{seed}:{i}".encode()) % 9)
        at = now - span + step * i + jitter
        days.append(at.replace(hour=9 + i % 6, minute=(7 * i) % 60, second=0, microsecond=0))
    return [min(d, now - timedelta(days=7)) for d in days]


def _first_that_works(tries: Iterator[Callable[[], Any]]) -> int:
    """Run candidate edits until one passes the register's rules (each failed one rolls back
    its own savepoint inside the service); 1 if one was made, 0 if none was possible."""
    for attempt in tries:
        try:
            attempt()
        except LandgisError:
            continue
        return 1
    return 0


def _attempts(session: Session, kind: str, seed: str) -> Iterator[Callable[[], Any]]:
    if kind == "split":
        rows = session.execute(text(_CANDIDATES), {"seed": seed}).all()
        return (_split(session, r.unit_code, bytes(r.wkb)) for r in rows)
    if kind == "merge":
        pairs = session.execute(text(_PAIRS), {"seed": seed}).all()
        return (_merge(session, [p.a, p.b]) for p in pairs)
    stmt = text(_CHANGEABLE).bindparams(bindparam("uses", expanding=True))
    rows = session.execute(stmt, {"seed": seed, "uses": list(CHANGED_USE)}).all()
    return (_change(session, r.unit_code, CHANGED_USE[r.land_use]) for r in rows)


def _etag(session: Session, code: str) -> list[str]:
    return [service.get(session, code).etag]


def _split(session: Session, code: str, wkb: bytes) -> Callable[[], Any]:
    def edit() -> Any:
        line = _cutting_line(shapely.from_wkb(wkb))
        return service.split(session, code, if_match=_etag(session, code), actor=ACTOR, line=line)

    return edit


def _merge(session: Session, codes: list[str]) -> Callable[[], Any]:
    def edit() -> Any:
        tags = [t for c in codes for t in _etag(session, c)]
        return service.merge(session, codes, if_match=tags, actor=ACTOR)

    return edit


def _change(session: Session, code: str, land_use: str) -> Callable[[], Any]:
    def edit() -> Any:
        tags = _etag(session, code)
        return service.change(session, code, if_match=tags, actor=ACTOR, land_use=land_use)

    return edit


def _cutting_line(parcel: shapely.Geometry) -> dict[str, Any]:
    """A GeoJSON line (EPSG:4490 lon/lat) through the parcel's centre across its long axis,
    reaching well past its boundary on both sides."""
    rect = shapely.oriented_envelope(parcel)
    x, y = shapely.get_coordinates(rect)[:4].T
    sides = [((x[i], y[i]), (x[(i + 1) % 4], y[(i + 1) % 4])) for i in range(4)]
    (ax, ay), (bx, by) = max(
        sides, key=lambda s: (s[1][0] - s[0][0]) ** 2 + (s[1][1] - s[0][1]) ** 2
    )
    c = parcel.centroid
    dx, dy = -(by - ay), bx - ax  # perpendicular to the long side
    return {
        "type": "LineString",
        "coordinates": [[c.x - dx, c.y - dy], [c.x + dx, c.y + dy]],
    }
