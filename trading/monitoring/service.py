"""批后监管: follow each sold parcel through the imagery over it; rules in
:mod:`trading.monitoring.rules`; no HTTP; flushes, never commits (the entry point opens
the unit of work).

For each parcel of each transaction record: the scenes covering it (gis port
:mod:`gis.raster.parcel_change`), oldest first. Scenes up to the sale are measured
against the oldest one: construction there is a finding (``built_before_contract``) and
the oldest scene stays the reference. Otherwise the reference is the scene at sale time
(the newest on or before the sale; without one, the first after it). Every later scene
is measured against the reference once and stored (an observation), so each new scene
imported updates the parcel's status; findings are opened once per parcel and kind,
with a case number for the inspector.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import shapely
from sqlalchemy.orm import Session

from cadastre.parcels import repository as parcels
from gis.raster.parcel_change import Scene, built_up_change, scenes_over
from trading.monitoring import repository, rules
from trading.monitoring.models import Finding, Observation
from trading.monitoring.repository import SoldParcel

DEFAULT_START_AFTER = timedelta(days=365)  # no agreed start date: one year after the sale
DEFAULT_BUILD_TIME = timedelta(days=3 * 365)  # no agreed completion: three years after start


@dataclass
class ScenePoint:
    """One scene of a parcel's timeline (``reference``: the scene others are measured on)."""

    scene: Scene
    seen: rules.Seen
    reference: bool = False


@dataclass
class ParcelState:
    """A sold parcel on ``as_of``: status, verdict, timeline and finding (if any)."""

    parcel: SoldParcel
    geometry: dict[str, object]
    agreed_start: date
    agreed_completion: date
    status: str
    verdict: rules.Verdict
    timeline: list[ScenePoint] = field(default_factory=list)
    finding: Finding | None = None


def schedule(parcel: SoldParcel) -> tuple[date, date]:
    """The agreed start and completion dates (defaults when the record has none)."""
    start = parcel.agreed_start or parcel.sale_date + DEFAULT_START_AFTER
    return start, parcel.agreed_completion or start + DEFAULT_BUILD_TIME


def update(session: Session, as_of: date, record_id: int | None = None) -> list[ParcelState]:
    """Measure every new scene over every sold parcel (or one record's) and return each
    parcel's state on ``as_of``; opens findings (flushes, never commits)."""
    repository.lock_monitor(session)
    return [follow(session, p, as_of) for p in repository.sold_parcels(session, record_id)]


def report(session: Session, as_of: date, record_id: int | None = None) -> list[ParcelState]:
    """Each sold parcel's state on ``as_of`` without writing: scenes not yet stored are
    measured in memory, no finding is opened (those already opened are shown)."""
    return [
        follow(session, p, as_of, write=False) for p in repository.sold_parcels(session, record_id)
    ]


def follow(session: Session, parcel: SoldParcel, as_of: date, write: bool = True) -> ParcelState:
    """One sold parcel: measure its new scenes, judge it, open its finding if due
    (``write`` False: store nothing, open nothing)."""
    (row,) = parcels.by_ids(session, [parcel.parcel_id], [parcel.unit_code])
    geom = shapely.from_wkb(row.ewkb)
    scenes = [s for s in scenes_over(session, geom) if s.acquired_on <= as_of]
    start, completion = schedule(parcel)
    stored = repository.observations(session, parcel.record_id, parcel.unit_code)
    pre = [s for s in scenes if s.acquired_on <= parcel.sale_date]
    post = [s for s in scenes if s.acquired_on > parcel.sale_date]
    timeline: list[ScenePoint] = []
    before_contract = None
    if scenes:
        oldest = scenes[0]
        early = _measure(session, parcel, geom, oldest, pre[1:], stored, write)
        before_contract = next((p.seen for p in early if p.seen.status != "not_started"), None)
        reference = oldest if before_contract else (pre[-1] if pre else post[0])
        later = [s for s in post if s.id != reference.id]
        late = _measure(session, parcel, geom, reference, later, stored, write)
        timeline = [ScenePoint(oldest, rules.Seen(oldest.acquired_on, 0.0, None), True)]
        timeline += [p for p in early if p.scene.id != reference.id or before_contract]
        if reference.id != oldest.id:
            timeline.append(
                ScenePoint(reference, rules.Seen(reference.acquired_on, 0.0, None), True)
            )
        timeline += late
    seen_after = [
        p.seen for p in timeline if p.scene.acquired_on > parcel.sale_date and not p.reference
    ]
    judged = rules.verdict(parcel.sale_date, start, seen_after, as_of, before_contract)
    status = seen_after[-1].status if seen_after else "not_started"
    state = ParcelState(parcel, row.geometry, start, completion, status, judged, timeline)
    state.finding = _open_finding(session, state, as_of, write)
    return state


def _measure(
    session: Session,
    parcel: SoldParcel,
    geom: shapely.Geometry,
    reference: Scene,
    scenes: list[Scene],
    stored: dict[int, Observation],
    write: bool,
) -> list[ScenePoint]:
    """Each scene against ``reference``, oldest first: stored ones reused, new ones
    measured and stored (a stored one of another reference is measured again)."""
    points: list[ScenePoint] = []
    previous: rules.Seen | None = None
    for scene in scenes:
        obs = stored.get(scene.id)
        if obs is not None and obs.reference_raster_id == reference.id:
            wkb = repository.footprint_wkb(session, obs.id)
            seen = rules.Seen(
                scene.acquired_on,
                obs.built_share,
                wkb and shapely.from_wkb(wkb),
                obs.status,
                scene.id,
            )
        else:
            change = built_up_change(reference, scene, geom)
            status = rules.scene_status(change.share, change.footprint, previous)
            seen = rules.Seen(scene.acquired_on, change.share, change.footprint, status, scene.id)
            if write:
                _store(session, parcel, reference, scene, seen, obs)
        points.append(ScenePoint(scene, seen))
        previous = seen
    return points


def _store(
    session: Session,
    parcel: SoldParcel,
    reference: Scene,
    scene: Scene,
    seen: rules.Seen,
    obs: Observation | None,
) -> None:
    if obs is None:
        obs = Observation(
            record_id=parcel.record_id, unit_code=parcel.unit_code, raster_id=scene.id
        )
        session.add(obs)
    obs.reference_raster_id = reference.id
    obs.acquired_on = scene.acquired_on
    obs.built_share = round(seen.share, 4)
    obs.status = seen.status
    footprint = seen.footprint
    if footprint is not None and footprint.geom_type == "Polygon":
        footprint = shapely.MultiPolygon([footprint])
    obs.footprint = None if footprint is None else f"SRID=4490;{footprint.wkt}"
    session.flush()


FINDING_OF_VERDICT = {
    "idle_suspected": "idle_suspected",
    "before_contract": "built_before_contract",
}


def _open_finding(session: Session, state: ParcelState, as_of: date, write: bool) -> Finding | None:
    """The parcel's finding: opened once when its verdict calls for one, else the one
    opened before (kept for the inspector even if the verdict has moved on)."""
    p, kind = state.parcel, FINDING_OF_VERDICT.get(state.verdict.code)
    if kind is None:
        for other in FINDING_OF_VERDICT.values():
            if old := repository.finding(session, p.record_id, p.unit_code, other):
                return old
        return None
    old = repository.finding(session, p.record_id, p.unit_code, kind)
    evidence = state.verdict.evidence
    if old is not None or evidence is None or not write:
        return old
    made = Finding(
        case_no=repository.next_case_no(session, as_of.year),
        record_id=p.record_id,
        unit_code=p.unit_code,
        kind=kind,
        raster_id=evidence.scene_id,
        acquired_on=evidence.acquired_on,
        built_share=round(evidence.share, 4),
        detail=_detail(kind, state),
    )
    session.add(made)
    session.flush()
    return made


def _detail(kind: str, state: ParcelState) -> str:
    """What the evidence shows, Chinese first, English second."""
    ev = state.verdict.evidence
    assert ev is not None
    share = f"{ev.share:.0%}"
    if kind == "idle_suspected":
        return (
            f"约定开工日期 {state.agreed_start} 满一年后，{ev.acquired_on} 影像上未见开工"
            f"（建设变化占比 {share}）；no construction on the scene of {ev.acquired_on}, "
            f"a year after the agreed start date {state.agreed_start} (built-up share {share})"
        )
    return (
        f"合同签订（{state.parcel.sale_date}）前 {ev.acquired_on} 影像已见建设"
        f"（建设变化占比 {share}）；construction on the scene of {ev.acquired_on}, before the "
        f"contract of {state.parcel.sale_date} (built-up share {share})"
    )
