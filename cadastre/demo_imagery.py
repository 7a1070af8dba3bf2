"""Demo imagery for the demo district: two generated scenes (spring and autumn 2026) of
the register's land cover with planted changes, imported as rasters, and one change
run, so that the enforcement map (卫片执法, ``/maps/changes``) shows verdicts on first
start. Each planted change stands for a case inspectors meet:

- ``farmland_building``: a new building on cropland inside basic farmland (no approval:
  suspected illegal);
- ``legal_construction``: a building on a vacant (grown-over) registered residential
  parcel (the registration approves construction: explained);
- ``cleared_forest``: a forest parcel cleared to bare soil (suspected illegal);
- ``filled_pond``: a pond filled in (suspected illegal).

The sites are chosen from the register deterministically (lowest ids that qualify).

Other demos may add ``extra`` plants (e.g. sold parcels being built on, for 批后监管,
``trading.monitoring.demo``) and a ``baseline`` date: a third, earlier scene then shows
every extra site as vacant land (grassland), as it was when sold.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.raster.approvals import ApprovalSource
from gis.raster.changes import ChangeRequest, run_changes
from gis.raster.demo import Plant, cover_of, write_scene
from gis.raster.service import ImportRequest, import_raster

SPRING, AUTUMN = date(2026, 3, 15), date(2026, 10, 20)
SITE_M = 0.00045  # half the side of a planted building site, degrees (about 45 m)


@dataclass(frozen=True)
class DemoImagery:
    """What was made: the two raster ids, the change run and the planted changes (and the
    baseline scene's id when one was asked for)."""

    before_id: int
    after_id: int
    run_id: int
    plants: tuple[Plant, ...]
    baseline_id: int | None = None


def _site(session: Session, sql: str) -> shapely.Geometry | None:
    wkb = session.execute(text(sql)).scalar()
    return None if wkb is None else shapely.from_wkb(bytes(wkb))


_CURRENT = "FROM parcel p WHERE p.end_lifespan IS NULL"
_IN_FARMLAND = (
    " AND EXISTS (SELECT 1 FROM plan_zone z JOIN plan_edition e ON e.id = z.edition_id "
    "AND e.in_force WHERE z.layer = 'farmland' AND ST_Contains(z.geom, p.ref_point))"
)
SITES = {
    "farmland_building": (
        f"SELECT ST_AsBinary(p.ref_point) {_CURRENT} AND p.land_use LIKE '01%'{_IN_FARMLAND} "
        "ORDER BY p.id LIMIT 1",
        "cropland",
        "built",
    ),
    "legal_construction": (
        f"SELECT ST_AsBinary(ST_Buffer(p.geom, -0.00003)) {_CURRENT} AND p.land_use = '0701' "
        "AND p.reg_status = 'registered' AND p.area_m2 > 2500 ORDER BY p.id LIMIT 1",
        "grassland",
        "built",
    ),
    "cleared_forest": (
        f"SELECT ST_AsBinary(ST_Buffer(p.geom, -0.00003)) {_CURRENT} AND p.land_use LIKE '03%' "
        "AND p.area_m2 > 2500 ORDER BY p.id LIMIT 1",
        "forest",
        "bare",
    ),
    "filled_pond": (
        f"SELECT ST_AsBinary(ST_Buffer(p.geom, -0.00003)) {_CURRENT} AND p.land_use = '1104' "
        "AND p.area_m2 > 2500 ORDER BY p.id LIMIT 1",
        "water",
        "bare",
    ),
}


def plants(session: Session) -> tuple[Plant, ...]:
    """The planted changes, on the first qualifying parcel of each kind."""
    found = []
    for kind, (sql, before, after) in SITES.items():
        geom = _site(session, sql)
        if geom is None or geom.is_empty:
            continue
        if geom.geom_type == "Point":  # a building site around the parcel's inner point
            geom = shapely.box(
                geom.x - SITE_M, geom.y - SITE_M * 0.7, geom.x + SITE_M, geom.y + SITE_M * 0.7
            )
        found.append(Plant(kind, geom, before, after))
    return tuple(found)


def covers(session: Session) -> list[tuple[shapely.Geometry, str]]:
    """Every current parcel with the land cover its class shows from above."""
    rows = session.execute(text(f"SELECT ST_AsBinary(p.geom), p.land_use {_CURRENT}"))
    return [(shapely.from_wkb(bytes(wkb)), cover_of(use)) for wkb, use in rows]


VACANT = "grassland"  # a sold site not yet built on, seen from above


def _import(session: Session, path: Path, when: date, actor: str) -> int:
    raster = import_raster(
        session,
        ImportRequest(
            source=path,
            name=f"示范区影像 demo scene {when.isoformat()}",
            sensor="generated (landgis demo)",
            acquired_on=when,
            band_names=["blue", "green", "red", "nir"],
            actor=actor,
        ),
    )
    return raster.id


def load_demo_imagery(
    session: Session,
    seed: int,
    actor: str = "demo",
    extra: Sequence[Plant] = (),
    baseline: date | None = None,
    approvals: Sequence[ApprovalSource] = (),
) -> DemoImagery:
    """Generate, import and compare the two demo scenes (commits, as imports do); with
    ``baseline`` also an earlier scene showing the ``extra`` sites vacant; ``approvals``
    explain patches (the catalog's sources, given by the composition root)."""
    land = covers(session)
    planted = plants(session)
    painted = (*planted, *extra)
    base_id = None
    with tempfile.TemporaryDirectory(prefix="landgis-demo-imagery-") as tmp:
        if baseline is not None:
            vacant = [*planted, *(Plant(p.kind, p.geom, VACANT, VACANT) for p in extra)]
            path = write_scene(Path(tmp) / f"scene-{baseline}.tif", land, vacant, False, seed + 2)
            base_id = _import(session, path, baseline, actor)
        ids = []
        for second, when in ((False, SPRING), (True, AUTUMN)):
            path = write_scene(Path(tmp) / f"scene-{when}.tif", land, painted, second, seed)
            ids.append(_import(session, path, when, actor))
    run = run_changes(session, ChangeRequest(ids[0], ids[1], actor=actor), approvals=approvals)
    return DemoImagery(ids[0], ids[1], run.id, planted, base_id)
