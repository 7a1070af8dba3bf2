"""Quality report of the register: overlaps, gaps inside street blocks, invalid geometries
and slivers, each with a location (lon/lat, EPSG:4490) and areas in m² (EPSG:4547);
and the register's own consistency (shares, rights on retired units, restrictions
without a right, public status against the register: :mod:`cadastre.registry.consistency`),
reported under ``register``.

The checks are PostGIS SQL run one cadastral subzone at a time, so progress can be
reported and memory stays bounded. The overlap self-join is written ``a.id + 0 < b.id + 0``
so the planner drives it from the GiST index instead of a primary-key range scan.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, bindparam, text
from sqlalchemy.orm import Session

from gis.errors import InvalidInput, NotFound
from gis.settings import get_settings
from gis.workers import run_all

Progress = Callable[[int, int], None]
KINDS = {
    "overlap": ("重叠", "overlap between current parcels"),
    "gap": ("缝隙", "gap between parcels inside a street block"),
    "invalid": ("无效几何", "invalid geometry"),
    "sliver": ("狭长碎片", "sliver parcel (very thin)"),
}

SUBZONES_SQL = """
SELECT code FROM cadastral_subzone
WHERE CAST(:zone AS text) IS NULL OR zone_code = :zone ORDER BY code
"""
INVALID_SQL = """
SELECT p.id, p.unit_code, p.subzone_code, d.reason, ST_X(d.location) AS x, ST_Y(d.location) AS y
FROM (SELECT id, unit_code, subzone_code, geom FROM parcel
      WHERE end_lifespan IS NULL AND NOT ST_IsValid(geom)
        AND (CAST(:zone AS text) IS NULL
             OR subzone_code BETWEEN :zone || '000' AND :zone || '999'
             OR geom && (SELECT ST_Expand(ST_Envelope(geom), 0.001) FROM cadastral_zone
                         WHERE code = :zone))) p
CROSS JOIN LATERAL ST_IsValidDetail(p.geom) d ORDER BY p.unit_code
"""
OVERLAP_SQL = """
SELECT a.id AS a_id, b.id AS b_id, a.unit_code AS a_code, b.unit_code AS b_code, o.area,
       ST_X(o.pt) AS x, ST_Y(o.pt) AS y
FROM parcel a
JOIN parcel b ON b.end_lifespan IS NULL AND ST_Intersects(a.geom, b.geom)
     AND b.subzone_code = ANY(CAST(:near AS text[]))
     AND (a.id + 0 < b.id + 0 OR (b.subzone_code <> a.subzone_code AND a.id + 0 <> b.id + 0))
CROSS JOIN LATERAL (SELECT ST_Intersection(a.geom, b.geom) AS g) i
CROSS JOIN LATERAL (SELECT ST_Area(ST_Transform(i.g, 4547)) AS area,
                           ST_PointOnSurface(i.g) AS pt) o
WHERE a.end_lifespan IS NULL AND a.subzone_code = :sz
  AND NOT (a.id IN :bad) AND NOT (b.id IN :bad) AND o.area > :tol
"""
# The subzones whose parcels can touch :sz's: their boxes meet its box (migration 0055).
# Naming them prunes the overlap join to their zones: unnamed, every parcel of the subzone
# probed every zone's index (324 at 1M parcels), and the whole check grew with the square
# of the register (1M: 684 s, 2.2x the 200k figure per million).
NEAR_SQL = """
SELECT coalesce(array_agg(n.subzone_code::text), ARRAY[]::text[])
FROM parcel_subzone_extent s JOIN parcel_subzone_extent n ON n.box && s.box
WHERE s.subzone_code = :sz
"""
GAP_SQL = """
WITH u AS (
  SELECT block_code, ST_Union(geom) AS g FROM parcel
  WHERE end_lifespan IS NULL AND subzone_code = :sz AND block_code IS NOT NULL
    AND NOT (id IN :bad)
  GROUP BY block_code)
SELECT b.code, ST_Area(ST_Transform(d.geom, 4547)) AS area,
       ST_X(ST_PointOnSurface(d.geom)) AS x, ST_Y(ST_PointOnSurface(d.geom)) AS y
FROM street_block b JOIN u ON u.block_code = b.code
CROSS JOIN LATERAL ST_Dump(ST_Difference(b.geom, u.g)) d
WHERE b.subzone_code = :sz AND ST_Area(ST_Transform(d.geom, 4547)) > :tol
"""
SLIVER_SQL = """
SELECT unit_code, area, ratio, ST_X(pt) AS x, ST_Y(pt) AS y FROM (
  SELECT p.unit_code, ST_Area(t.g) AS area,
         4 * pi() * ST_Area(t.g) / nullif(ST_Perimeter(t.g) ^ 2, 0) AS ratio, p.ref_point AS pt
  FROM parcel p CROSS JOIN LATERAL (SELECT ST_Transform(p.geom, 4547) AS g) t
  WHERE p.end_lifespan IS NULL AND p.subzone_code = :sz AND NOT (p.id IN :bad)
) s WHERE ratio < :ratio
"""
# the current parcels of the zone (or register), from the subzones' tally (migration 0058),
# kept in the same transaction as the parcels: a count of 5M rows took seconds
COUNT_SQL = """
SELECT coalesce(sum(current_parcels), 0) FROM parcel_subzone_tally
WHERE CAST(:zone AS text) IS NULL OR left(subzone_code, 9) = :zone
"""


@dataclass
class Report:
    """Findings of one quality check run, by kind."""

    zone: str | None
    subzones: int = 0
    parcels: int = 0
    seconds: float = 0.0
    findings: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {k: [] for k in KINDS}
    )
    register: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # a report read from the kept state: subzones edited since their findings were kept
    # (checked again by the background pass), and when the newest findings were kept
    pending: int = 0
    checked_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        s = get_settings()
        return {
            "zone": self.zone,
            "subzones": self.subzones,
            "parcels_checked": self.parcels,
            "seconds": round(self.seconds, 3),
            "tolerances": {
                "overlap_m2": float(s.overlap_tolerance_m2),
                "gap_m2": float(s.area_tolerance_m2),
                "sliver_ratio": s.sliver_ratio,
            },
            "counts": {k: len(v) for k, v in self.findings.items()},
            "kinds": {k: {"zh": zh, "en": en} for k, (zh, en) in KINDS.items()},
            "findings": self.findings,
            "register": _register_part(self.register),
            "pending_subzones": self.pending,
            "checked_at": self.checked_at.isoformat() if self.checked_at else None,
        }

    @property
    def total(self) -> int:
        """Every finding, geometric and of the register (the CLI exits 2 when any)."""
        return sum(len(v) for v in self.findings.values()) + sum(
            len(v) for v in self.register.values()
        )


def _register_part(found: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    from cadastre.registry.consistency import KINDS as REGISTER_KINDS

    found = found or {k: [] for k in REGISTER_KINDS}
    return {
        "counts": {k: len(v) for k, v in found.items()},
        "kinds": {k: {"zh": zh, "en": en} for k, (zh, en) in REGISTER_KINDS.items()},
        "findings": found,
    }


def _check_register(session: Session, report: Report) -> None:
    """The register's consistency in the zone (lazy import: the registry's checks)."""
    from cadastre.registry import consistency

    report.register = consistency.check(session, report.zone)


def _q(sql: str) -> Any:
    return text(sql).bindparams(bindparam("bad", expanding=True))


def subzones(session: Session, zone: str | None) -> list[str]:
    """The subzones to check: those of ``zone`` (9 digits), or all of them."""
    if zone is not None and (len(zone) != 9 or not zone.isdigit()):
        raise InvalidInput("a cadastral zone code has 9 digits, e.g. 441900001", field="zone")
    codes = list(session.execute(text(SUBZONES_SQL), {"zone": zone}).scalars())
    if zone is not None and not codes:
        raise NotFound(f"no cadastral zone {zone}", field="zone")
    return codes


def check_subzone(
    session: Session, sz: str, report: Report, seen: set[tuple[int, int]], bad: list[int]
) -> None:
    """Run the overlap, gap and sliver checks on one subzone's current parcels.

    ``bad`` are the ids of every invalid current parcel of the register: these checks
    skip them (GEOS cannot intersect them); they are reported as invalid instead.
    """
    s = get_settings()
    f = report.findings
    params = {"sz": sz, "bad": bad or [-1]}
    near = session.execute(text(NEAR_SQL), {"sz": sz}).scalar_one()
    overlap = {**params, "tol": s.overlap_tolerance_m2, "near": near}
    for r in session.execute(_q(OVERLAP_SQL), overlap):
        pair = (min(r.a_id, r.b_id), max(r.a_id, r.b_id))
        if pair not in seen:
            seen.add(pair)
            f["overlap"].append(
                {
                    "unit_codes": sorted([r.a_code, r.b_code]),
                    "area_m2": round(r.area, 3),
                    "location": _xy(r.x, r.y),
                }
            )
    for r in session.execute(_q(GAP_SQL), {**params, "tol": s.area_tolerance_m2}):
        f["gap"].append(
            {"block_code": r.code, "area_m2": round(r.area, 3), "location": _xy(r.x, r.y)}
        )
    for r in session.execute(_q(SLIVER_SQL), {**params, "ratio": s.sliver_ratio}):
        f["sliver"].append(
            {
                "unit_codes": [r.unit_code],
                "area_m2": round(r.area, 3),
                "compactness": round(r.ratio, 4),
                "location": _xy(r.x, r.y),
            }
        )


def _invalid(session: Session, report: Report, scope: set[str]) -> list[int]:
    """Ids of the invalid current parcels in or near the zone (about 100 m around its
    extent, so every parcel a zone parcel can touch); those in ``scope`` are reported."""
    ids = []
    for r in session.execute(text(INVALID_SQL), {"zone": report.zone}):
        ids.append(r.id)
        if r.subzone_code in scope:
            report.findings["invalid"].append(
                {"unit_codes": [r.unit_code], "reason": r.reason, "location": _xy(r.x, r.y)}
            )
    return ids


def _xy(x: float | None, y: float | None) -> list[float] | None:
    return [round(x, 8), round(y, 8)] if x is not None and y is not None else None


def run(session: Session, zone: str | None = None, progress: Progress | None = None) -> Report:
    """The quality report over a cadastral zone (or the whole register). Read-only."""
    started = time.perf_counter()
    codes = subzones(session, zone)
    report = Report(zone, subzones=len(codes))
    seen: set[tuple[int, int]] = set()
    # Parallel plans start workers for each small per-subzone query and lose to the
    # plain index plan (about 5x here): off for this read-only transaction only.
    session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    bad = _invalid(session, report, set(codes))
    report.parcels = int(session.execute(text(COUNT_SQL), {"zone": zone}).scalar_one())
    _check_register(session, report)
    for i, sz in enumerate(codes, 1):
        check_subzone(session, sz, report, seen, bad)
        if progress:
            progress(i, len(codes))
    report.seconds = time.perf_counter() - started
    return report


def run_parallel(
    engine: Engine, zone: str | None = None, progress: Progress | None = None, workers: int = 2
) -> Report:
    """The same report with ``workers`` connections sharing one exported snapshot.

    Every connection sees exactly the same register (``SET TRANSACTION SNAPSHOT``),
    so the report is as consistent as a single query's, and uses the machine's cores
    the way PostgreSQL's own parallel plans do.
    """
    started = time.perf_counter()
    with Session(engine) as lead:
        lead.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        snapshot = str(lead.execute(text("SELECT pg_export_snapshot()")).scalar_one())
        if not re.fullmatch(r"[0-9A-F]+-[0-9A-F]+-[0-9]+", snapshot):
            raise RuntimeError(f"unexpected snapshot id {snapshot!r}")
        codes = subzones(lead, zone)
        report = Report(zone, subzones=len(codes))
        bad = _invalid(lead, report, set(codes))
        report.parcels = int(lead.execute(text(COUNT_SQL), {"zone": zone}).scalar_one())
        _check_register(lead, report)
        todo = iter(codes)
        lock = threading.Lock()
        parts = [Report(zone) for _ in range(workers)]
        done = [0]

        def work(part: Report) -> None:
            with Session(engine) as session:
                session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
                session.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))  # checked id
                session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
                for sz in _take(todo, lock):
                    check_subzone(session, sz, part, set(), bad)
                    with lock:
                        done[0] += 1
                        if progress:
                            progress(done[0], len(codes))

        run_all(work, parts, workers, "quality")  # an error is raised here, after all ended
    _merge(report, parts)
    report.seconds = time.perf_counter() - started
    return report


def _take(codes: Iterator[str], lock: threading.Lock) -> Iterator[str]:
    while True:
        with lock:
            sz = next(codes, None)
        if sz is None:
            return
        yield sz


def _merge(report: Report, parts: list[Report]) -> None:
    """Add the workers' findings to ``report``; an overlap across subzones counts once."""
    seen: set[tuple[str, ...]] = set()
    for part in parts:
        for kind, items in part.findings.items():
            for f in items:
                if kind == "overlap":
                    key = tuple(f["unit_codes"])
                    if key in seen:
                        continue
                    seen.add(key)
                report.findings[kind].append(f)
    for items in report.findings.values():
        items.sort(key=lambda f: f.get("unit_codes") or [f.get("block_code", "")])
