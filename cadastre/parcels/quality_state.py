"""The incremental quality check: each cadastral subzone's findings are kept in
``quality_subzone`` and only the subzones an edit touched are checked again, so the
bureau-wide report is a read (``landgis cadastre check --since``, ``GET
/api/v1/cadastre/quality``, ``/maps/quality``).

What an edit touched comes from the tile change log, as for the parcel overview
(:mod:`cadastre.overview`): the subzones of every parcel (any version, so a retired one
counts) whose box meets a logged box since the position the state reflects. An overlap
needs two parcels whose boxes meet, so the subzone of the other parcel of a pair an edit
made or unmade is checked again too. A whole-table change (a bulk load) or a log pruned
past that position checks everything. The findings equal a full check's
(:func:`cadastre.parcels.quality.run`); ``tests/cadastre/parcels/test_quality_state.py``
proves it after random edits. The register's consistency (:mod:`cadastre.registry.consistency`:
shares, rights on retired units, orphan restrictions, public statuses) is kept the same way
per subzone: rechecked where a statement on ``rrr`` or ``baunit`` wrote (the triggers of
migration 0054), where a parcel edit reached, and where a right or restriction lapsed by
time since the subzone was checked. Functions take the caller's session and never commit,
except :func:`background_pass`, a unit of work per chunk.

A subzone is checked in two steps: its invalid parcels are stored (they are left out of
every other check, a neighbour's included), then its overlaps, gaps, slivers and register.
Between the two it *waits*; a subzone whose register changed waits for that side alone.
After a bulk load every subzone's invalid parcels are stored in one read of the register,
and the background pass checks the waiting ones in chunks, each its own transaction: a
restart keeps what was committed, and readers see how many wait.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

import anyio.to_thread
from sqlalchemy import Row, text
from sqlalchemy.orm import Session

from cadastre.parcels import quality
from cadastre.parcels.quality import COUNT_SQL, KINDS, Progress, Report
from gis.db import Database, transaction
from gis.jobs import store as jobs
from gis.settings import get_settings

log = logging.getLogger(__name__)
STATE = "parcel_quality"
JOB_KIND = "cadastre.quality"
QUICK_SUBZONES = 50  # a reader checks again at most this many itself (~15 ms each at 5M)
CHUNK_SUBZONES = 500  # a background transaction checks at most this many (~30 s at 5M)
RANGE_SUBZONES = 16  # from this many, the register side is read in one pass over their range
_LOCK = "SELECT {fn}(hashtext('landgis.parcel_quality'))"
CHECKED_PER_SUBZONE = ("overlap", "gap", "sliver")  # and "invalid", stored first


def refresh(session: Session, progress: Progress | None = None) -> int:
    """Check again the subzones touched since the state's log position (all of them the
    first time or after a bulk load) and those a background pass left waiting; returns how
    many were checked. One refresh runs at a time: a second waits for the first and then
    finds little or nothing to do."""
    session.execute(text(_LOCK.format(fn="pg_advisory_xact_lock")))
    return _apply(session, _plan(session), progress, None)


def refresh_if_small(
    session: Session, limit: int = QUICK_SUBZONES, progress: Progress | None = None
) -> int:
    """Refresh when at most ``limit`` subzones are due and no other refresh runs; returns
    how many subzones are still due (0: the state is current). A reader calls this: a bulk
    load's whole check is the background pass's (:func:`background_pass`), not a request's."""
    if not session.execute(text(_LOCK.format(fn="pg_try_advisory_xact_lock"))).scalar_one():
        return max(_due(session, _plan(session)), 1)  # a pass is running: something is due
    plan = _plan(session)
    due = _due(session, plan)
    if due > limit:
        return due
    _apply(session, plan, progress, limit)  # a right that lapsed may add one more
    return int(session.execute(text(_WAITING_COUNT)).scalar_one())


def background_pass(database: Database) -> int | None:
    """Bring the state up to date in transactions of at most :data:`CHUNK_SUBZONES`
    subzones each, so a bulk load's whole check (hours for a province) survives a restart
    and readers see it fill; None when another pass runs. Returns how many subzones it
    checked. A pass of more than :data:`QUICK_SUBZONES` is a job (kind
    ``cadastre.quality``) whose progress the quality page shows."""
    job: jobs.Job | None = None
    checked, ran = 0, False
    try:
        while True:
            with database.session() as session, transaction(session):
                locked = session.execute(text(_LOCK.format(fn="pg_try_advisory_xact_lock")))
                if not locked.scalar_one():
                    break  # another process's pass runs (or took over between chunks)
                ran = True
                plan = _plan(session)
                due = _due(session, plan)
                if job is None and due > QUICK_SUBZONES:
                    job = jobs.create(database.engine, JOB_KIND, None, status="running")
                    job.progress(0, due, "subzones")
                step = None if job is None else _step(job, job.done + due)
                checked += _apply(session, plan, step, CHUNK_SUBZONES)
                left = int(session.execute(text(_WAITING_COUNT)).scalar_one())
            if left == 0:
                break
    except BaseException as exc:
        if job is not None:
            job.fail(jobs.error_of(exc))
        raise
    if job is not None:
        job.succeed({"subzones": checked})  # committed: the findings are there to read
    return checked if ran else None


def _step(job: jobs.Job, total: int) -> Progress:
    """A chunk's progress as the job's: subzones checked since the pass began, of about
    ``total`` (more if edits made more due meanwhile)."""
    before = job.done
    return lambda i, _n: job.progress(before + i, max(total, before + i), "subzones")


async def run(database: Database, interval_s: float | None = None) -> None:
    """Keep the state current: a pass now and every ``interval_s`` seconds, until cancelled."""
    interval = get_settings().quality_refresh_interval_s if interval_s is None else interval_s
    if interval <= 0:
        return
    while True:
        try:
            await anyio.to_thread.run_sync(background_pass, database)
        except Exception:
            log.exception("the quality state's refresh failed; next pass in %s s", interval)
        await asyncio.sleep(interval)


@dataclass(frozen=True)
class _Plan:
    """What a refresh does: the log position it brings the state to, whether everything is
    checked again (first time, bulk load, pruned log), and the subzones edits touched."""

    upto: int
    whole: bool
    todo: list[str]


def _plan(session: Session) -> _Plan:
    after = session.execute(
        text("SELECT seq FROM overview_state WHERE name = :n"), {"n": STATE}
    ).scalar()
    upto = int(session.execute(text(_LATEST)).scalar_one())
    whole = after is None or bool(
        session.execute(text(_WHOLE_OR_PRUNED), {"a": after, "u": upto}).scalar_one()
    )
    sql, params = (_ALL_SUBZONES, {}) if whole else (_TOUCHED, {"a": after, "u": upto})
    return _Plan(upto, whole, list(session.execute(text(sql), params).scalars()))


def _due(session: Session, plan: _Plan) -> int:
    """How many subzones (at most) a refresh would check: those edits touched (every one
    after a bulk load), those whose register changed and those still waiting."""
    if plan.whole:
        return len(plan.todo)
    waiting = session.execute(text(_WAITING_COUNT)).scalar_one()
    return len(plan.todo) + int(waiting) + int(session.execute(text(_DIRTY_COUNT)).scalar_one())


def _apply(session: Session, plan: _Plan, progress: Progress | None, limit: int | None) -> int:
    """Carry out ``plan``: the touched subzones' invalid parcels stored first (every
    subzone's after a bulk load), which leaves them waiting; then at most ``limit`` (None:
    all) waiting subzones checked, and the register's side where it changed."""
    session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    lapsed = set(session.execute(text(_LAPSED)).scalars())  # before checked_at moves on
    dirty = set(session.execute(text(_TAKE_DIRTY)).scalars())
    if plan.whole:
        _store_all_invalid(session)  # every subzone waits, for both sides
    else:
        for sz in plan.todo:
            _store_invalid(session, sz)
        # where the register changed, its side waits (at 5M a demo load left 25k subzones)
        stale = sorted(dirty | lapsed)
        session.execute(text(_REGISTER_WAITS), {"codes": stale})
    session.execute(text(_SAVE_STATE), {"n": STATE, "seq": plan.upto})
    return len(_check_waiting(session, limit, progress))


def _check_waiting(session: Session, limit: int | None, progress: Progress | None) -> list[str]:
    """Check up to ``limit`` (None: all) waiting subzones: overlaps, gaps and slivers where
    only their invalid parcels are stored (every stored invalid parcel is left out), and
    the register's side of each."""
    todo = session.execute(text(_WAITING), {"n": limit}).all()
    if not todo:
        return []
    bad = list(session.execute(text(_ALL_BAD)).scalars())
    for i, (sz, geometric) in enumerate(todo, 1):
        if geometric:
            part = Report(None)
            quality.check_subzone(session, sz, part, set(), bad)
            found = {k: part.findings[k] for k in CHECKED_PER_SUBZONE}
            session.execute(text(_SAVE_FINDINGS), {"sz": sz, "f": json.dumps(found)})
        if progress:
            progress(i, len(todo))
    codes = [sz for sz, _ in todo]
    _store_register(session, codes)
    return codes


def _store_register(session: Session, codes: list[str]) -> None:
    """The register's consistency findings of each subzone in ``codes`` (rights, shares,
    statuses: :mod:`cadastre.registry.consistency`), kept beside the geometric ones: in one
    pass over their range when they are many and most of the subzones in it (a bulk load's
    check), else subzone by subzone (a few edits far apart)."""
    from cadastre.registry import consistency  # the registry's checks (parcels: lazily)

    if len(codes) >= RANGE_SUBZONES and 2 * len(codes) >= _subzones_between(session, codes):
        found = consistency.check_subzones(session, codes)
    else:
        found = {sz: consistency.check_subzone(session, sz) for sz in codes}
    for sz in codes:
        session.execute(text(_SAVE_REGISTER), {"sz": sz, "f": json.dumps(found[sz])})


def _subzones_between(session: Session, codes: list[str]) -> int:
    """How many subzones the register has from the first of ``codes`` to the last."""
    return int(
        session.execute(
            text("SELECT count(*) FROM cadastral_subzone WHERE code BETWEEN :lo AND :hi"),
            {"lo": min(codes), "hi": max(codes)},
        ).scalar_one()
    )


def report(
    session: Session,
    zone: str | None = None,
    progress: Progress | None = None,
    *,
    quick: int | None = None,
) -> Report:
    """The quality report of a zone (or the whole register) from the kept state, after
    checking again what changed since; with ``quick``, only when at most that many
    subzones are due (else the report says how many are, and reads the findings kept)."""
    started = time.perf_counter()
    codes = quality.subzones(session, zone)  # validates the zone code
    out = Report(zone, subzones=len(codes))
    if quick is None:
        refresh(session, progress)
    else:
        out.pending = refresh_if_small(session, quick, progress)
    out.parcels = int(session.execute(text(COUNT_SQL), {"zone": zone}).scalar_one())
    out.checked_at = session.execute(text(_CHECKED_AT), {"zone": zone}).scalar()
    parts = []
    register: dict[str, list[dict[str, Any]]] = {}
    # by subzone, so each kind stays in unit-code order; only those with a finding (at 5M,
    # reading all 25k subzones' findings took 0.7 s, for ~100 findings)
    for (findings,) in session.execute(text(_READ), {"zone": zone}):
        part = Report(zone)
        for kind in KINDS:
            part.findings[kind] = list(findings.get(kind, []))
        parts.append(part)
        for kind, items in findings.get("register", {}).items():
            register.setdefault(kind, []).extend(items)
    quality._merge(out, parts)
    out.register = _register_kinds(register)
    out.seconds = time.perf_counter() - started
    return out


def _register_kinds(found: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Every kind of register finding, in the registry's order, empty ones included."""
    from cadastre.registry import consistency

    return {kind: found.get(kind, []) for kind in consistency.KINDS}


def comparable(report_: Report) -> dict[str, Any]:
    """The findings of a report (geometric and the register's) in an order-free form (to
    compare two reports)."""
    kinds = report_.findings | {f"register.{k}": v for k, v in report_.register.items()}
    return {
        kind: sorted(json.dumps(f, sort_keys=True) for f in items) for kind, items in kinds.items()
    }


def _store_invalid(session: Session, sz: str) -> None:
    """The subzone's invalid current parcels, stored as its only findings: it waits for
    its check."""
    _save_invalid(session, sz, session.execute(text(_INVALID_IN), {"sz": sz}).all())


def _store_all_invalid(session: Session) -> None:
    """Every subzone waiting, with its invalid parcels (one read of the register)."""
    session.execute(text("DELETE FROM quality_subzone"))
    session.execute(text(_ALL_WAITING))
    rows = session.execute(text(_INVALID_ALL)).all()
    for sz, found in groupby(rows, key=lambda r: r.subzone_code):
        _save_invalid(session, sz, list(found))


def _save_invalid(session: Session, sz: str, rows: Sequence[Row[Any]]) -> None:
    findings = [
        {"unit_codes": [r.unit_code], "reason": r.reason, "location": quality._xy(r.x, r.y)}
        for r in rows
    ]
    session.execute(
        text(_SAVE_INVALID),
        {"sz": sz, "ids": [r.id for r in rows], "f": json.dumps({"invalid": findings})},
    )


_ALL_SUBZONES = "SELECT code FROM cadastral_subzone ORDER BY code"
_LATEST = (
    "SELECT coalesce((SELECT seq FROM tile_change WHERE table_name = 'parcel' "
    "ORDER BY seq DESC LIMIT 1), 0)"
)
_WHOLE_OR_PRUNED = """
SELECT EXISTS (SELECT 1 FROM tile_change WHERE table_name = 'parcel'
               AND seq > :a AND seq <= :u AND west IS NULL)
    OR EXISTS (SELECT 1 FROM tile_change_pruned WHERE table_name = 'parcel' AND upto > :a)
"""
# the subzones of any version of a parcel in a logged box, and those never checked
_TOUCHED = """
SELECT DISTINCT p.subzone_code FROM tile_change c
JOIN parcel p ON p.geom && ST_MakeEnvelope(c.west, c.south, c.east, c.north, 4490)
WHERE c.table_name = 'parcel' AND c.seq > :a AND c.seq <= :u
UNION
SELECT s.code FROM cadastral_subzone s
WHERE NOT EXISTS (SELECT 1 FROM quality_subzone q WHERE q.subzone_code = s.code)
ORDER BY 1
"""
# a subzone waits for its check while its findings hold its invalid parcels only, and for
# its register's while they hold no register part
_WAITS = "findings -> 'overlap' IS NULL OR findings -> 'register' IS NULL"
_WAITING = (
    "SELECT subzone_code, findings -> 'overlap' IS NULL AS geometric FROM quality_subzone "
    f"WHERE {_WAITS} ORDER BY subzone_code LIMIT CAST(:n AS integer)"
)
_WAITING_COUNT = f"SELECT count(*) FROM quality_subzone WHERE {_WAITS}"
_REGISTER_WAITS = (
    "UPDATE quality_subzone SET findings = findings - 'register' "
    "WHERE subzone_code = ANY(CAST(:codes AS text[]))"
)
_ALL_WAITING = """
INSERT INTO quality_subzone (subzone_code, invalid_ids, findings, checked_at)
SELECT code, '{}', '{"invalid": []}', now() FROM cadastral_subzone
"""
_INVALID_ALL = """
SELECT p.id, p.unit_code, p.subzone_code, d.reason, ST_X(d.location) AS x, ST_Y(d.location) AS y
FROM parcel p CROSS JOIN LATERAL ST_IsValidDetail(p.geom) d
WHERE p.end_lifespan IS NULL AND NOT ST_IsValid(p.geom)
ORDER BY p.subzone_code, p.unit_code
"""
_INVALID_IN = """
SELECT p.id, p.unit_code, d.reason, ST_X(d.location) AS x, ST_Y(d.location) AS y
FROM parcel p CROSS JOIN LATERAL ST_IsValidDetail(p.geom) d
WHERE p.end_lifespan IS NULL AND p.subzone_code = :sz AND NOT ST_IsValid(p.geom)
ORDER BY p.unit_code
"""
_SAVE_INVALID = """
INSERT INTO quality_subzone (subzone_code, invalid_ids, findings, checked_at)
VALUES (:sz, :ids, CAST(:f AS jsonb), now())
ON CONFLICT (subzone_code) DO UPDATE
SET invalid_ids = excluded.invalid_ids, findings = excluded.findings, checked_at = now()
"""
_ALL_BAD = "SELECT unnest(invalid_ids) FROM quality_subzone"
_SAVE_FINDINGS = """
UPDATE quality_subzone SET findings = findings || CAST(:f AS jsonb) WHERE subzone_code = :sz
"""
_SAVE_STATE = (
    "INSERT INTO overview_state (name, seq) VALUES (:n, :seq) "
    "ON CONFLICT (name) DO UPDATE SET seq = excluded.seq"
)
_IN_ZONE = "(CAST(:zone AS text) IS NULL OR left(subzone_code, 9) = :zone)"
_READ = (
    f"SELECT findings FROM quality_subzone WHERE {_IN_ZONE} AND jsonb_path_exists(findings, "
    "'strict $.** ? (@.type() == \"array\" && @.size() > 0)') ORDER BY subzone_code"
)
# the newest check of the zone's subzones (those only waiting do not count)
_CHECKED_AT = (
    "SELECT max(checked_at) FROM quality_subzone "
    f"WHERE {_IN_ZONE} AND findings -> 'overlap' IS NOT NULL"
)
# the register's side: subzones a statement on rrr or baunit touched (migration 0054),
# taken once; and those with a right or restriction that lapsed by time since checked
_TAKE_DIRTY = "DELETE FROM quality_register_dirty RETURNING subzone_code"
_DIRTY_COUNT = "SELECT count(DISTINCT subzone_code) FROM quality_register_dirty"
_LAPSED = """
SELECT DISTINCT q.subzone_code FROM rrr r
JOIN quality_subzone q ON q.subzone_code = left(r.unit_code, 12)
WHERE r.expires_at IS NOT NULL AND r.expires_at <= now() AND r.end_lifespan IS NULL
  AND r.expires_at > (SELECT min(checked_at) FROM quality_subzone) AND r.expires_at > q.checked_at
"""
_SAVE_REGISTER = """
INSERT INTO quality_subzone (subzone_code, findings, checked_at)
VALUES (:sz, jsonb_build_object('register', CAST(:f AS jsonb)), now())
ON CONFLICT (subzone_code) DO UPDATE
SET findings = quality_subzone.findings || excluded.findings, checked_at = now()
"""
