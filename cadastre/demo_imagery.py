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

A scene covers at most ``SCENE_MAX_M`` square at the district's centre (as one tile of a
satellite scene does): the whole demo district at the default size, its middle for a
district of a million parcels, whose whole extent at 4 m pixels would not fit in memory
(and would take as long as loading the register). The planted sites (and the trading
demo's sold sites) are then chosen inside it (:func:`scene_window`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.geo import AREA_SRID, STORAGE_SRID, reproject
from gis.raster.approvals import ApprovalSource
from gis.raster.changes import ChangeRequest, run_changes
from gis.raster.demo import Plant, cover_of, write_scene
from gis.raster.demo_dem import write_dem
from gis.raster.service import ImportRequest, import_raster

SCENE_MAX_M = 16_000.0  # the widest scene the demo paints, metres (4,000 pixels of 4 m)
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


@dataclass(frozen=True)
class Window:
    """The part of a large district the demo's scenes show: ``bounds`` in EPSG:4547 and
    ``outline`` (WKT, EPSG:4490) for choosing sites and covers inside it."""

    bounds: tuple[float, float, float, float]
    outline: str

    def inside(self, alias: str = "p") -> str:
        """SQL: the row's parcel lies wholly in the scene (parameter ``:scene``)."""
        return f" AND ST_CoveredBy({alias}.geom, ST_GeomFromText(:scene, {STORAGE_SRID}))"

    def params(self) -> dict[str, str]:
        return {"scene": self.outline}


def _extent_4547(rows: str) -> Any:
    """SQL of the EPSG:4547 bounds (x0, y0, x1, y1) of ``rows`` (a FROM ... clause)."""
    return text(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT "
        f"ST_Extent(ST_Transform(geom, 4547)) AS e {rows}) x"
    )


_EXTENT_4547 = _extent_4547("FROM parcel WHERE end_lifespan IS NULL")
_ZONES_4547 = _extent_4547("FROM cadastral_zone")  # the few zones, not a million parcels


def scene_window(session: Session) -> Window | None:
    """The scenes' part of the district, or None when the whole district fits in one."""
    x0, y0, x1, y1 = session.execute(_ZONES_4547).one()
    if x0 is None or max(x1 - x0, y1 - y0) <= SCENE_MAX_M:
        return None
    cx, cy, half = (x0 + x1) / 2, (y0 + y1) / 2, SCENE_MAX_M / 2
    bounds = (max(x0, cx - half), max(y0, cy - half), min(x1, cx + half), min(y1, cy + half))
    outline = reproject(shapely.box(*bounds).segmentize(500), AREA_SRID, STORAGE_SRID)
    return Window(bounds, outline.wkt)


def _params(window: Window | None) -> dict[str, str]:
    return {} if window is None else window.params()


def _site(session: Session, sql: str, window: Window | None = None) -> shapely.Geometry | None:
    wkb = session.execute(text(sql), _params(window)).scalar()
    return None if wkb is None else shapely.from_wkb(bytes(wkb))


_CURRENT = "FROM parcel p WHERE p.end_lifespan IS NULL"
_IN_FARMLAND = (
    " AND EXISTS (SELECT 1 FROM plan_zone z JOIN plan_edition e ON e.id = z.edition_id "
    "AND e.in_force WHERE z.layer = 'farmland' AND ST_Contains(z.geom, p.ref_point))"
)
SITES = {
    "farmland_building": (
        f"SELECT ST_AsBinary(p.ref_point) {_CURRENT} AND p.land_use LIKE '01%'{_IN_FARMLAND}",
        "cropland",
        "built",
    ),
    "legal_construction": (
        f"SELECT ST_AsBinary(ST_Buffer(p.geom, -0.00003)) {_CURRENT} AND p.land_use = '0701' "
        "AND p.reg_status = 'registered' AND p.area_m2 > 2500",
        "grassland",
        "built",
    ),
    "cleared_forest": (
        f"SELECT ST_AsBinary(ST_Buffer(p.geom, -0.00003)) {_CURRENT} AND p.land_use LIKE '03%' "
        "AND p.area_m2 > 2500",
        "forest",
        "bare",
    ),
    "filled_pond": (
        f"SELECT ST_AsBinary(ST_Buffer(p.geom, -0.00003)) {_CURRENT} AND p.land_use = '1104' "
        "AND p.area_m2 > 2500",
        "water",
        "bare",
    ),
}


def plants(session: Session, window: Window | None = None) -> tuple[Plant, ...]:
    """The planted changes, on the first qualifying parcel of each kind (in the scene)."""
    found = []
    inside = "" if window is None else window.inside()
    for kind, (sql, before, after) in SITES.items():
        geom = _site(session, f"{sql}{inside} ORDER BY p.id LIMIT 1", window)
        if geom is None or geom.is_empty:
            continue
        if geom.geom_type == "Point":  # a building site around the parcel's inner point
            geom = shapely.box(
                geom.x - SITE_M, geom.y - SITE_M * 0.7, geom.x + SITE_M, geom.y + SITE_M * 0.7
            )
        found.append(Plant(kind, geom, before, after))
    return tuple(found)


def covers(session: Session, window: Window | None = None) -> list[tuple[shapely.Geometry, str]]:
    """The base map's water bodies and every current parcel (in the scene), with the land
    cover each shows from above."""
    near = "" if window is None else f" AND p.geom && ST_GeomFromText(:scene, {STORAGE_SRID})"
    sql = f"SELECT ST_AsBinary(p.geom), p.land_use {_CURRENT}{near}"
    rows = session.execute(text(sql), _params(window))
    land = [(shapely.from_wkb(bytes(wkb)), cover_of(use)) for wkb, use in rows]
    rivers = session.execute(text("SELECT ST_AsBinary(geom) FROM water")).scalars()
    return [*((shapely.from_wkb(bytes(wkb)), "water") for wkb in rivers), *land]


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
    window = scene_window(session)
    land = covers(session, window)
    planted = plants(session, window)
    painted = (*planted, *extra)
    frame = None if window is None else window.bounds
    base_id = None
    with tempfile.TemporaryDirectory(prefix="landgis-demo-imagery-") as tmp:
        if baseline is not None:
            vacant = [*planted, *(Plant(p.kind, p.geom, VACANT, VACANT) for p in extra)]
            path = Path(tmp) / f"scene-{baseline}.tif"
            write_scene(path, land, vacant, False, seed + 2, frame)
            base_id = _import(session, path, baseline, actor)
        ids = []
        for second, when in ((False, SPRING), (True, AUTUMN)):
            path = Path(tmp) / f"scene-{when}.tif"
            write_scene(path, land, painted, second, seed, frame)
            ids.append(_import(session, path, when, actor))
    run = run_changes(session, ChangeRequest(ids[0], ids[1], actor=actor), approvals=approvals)
    return DemoImagery(ids[0], ids[1], run.id, planted, base_id)


DEM_NAME = "示范区数字高程模型 demo DEM"
_RIVER_4547 = text(
    "SELECT ST_AsBinary(ST_Union(ST_Transform(geom, 4547))) FROM water WHERE kind = 'river'"
)


def load_demo_dem(session: Session, seed: int, actor: str = "demo") -> int | None:
    """Generate and import the district's elevation model (commits, as imports do);
    returns its raster id (None for an empty register). It covers the imagery's part of a
    district too large for one scene."""
    window = scene_window(session)
    bounds = session.execute(_EXTENT_4547).one() if window is None else window.bounds
    if bounds[0] is None:
        return None
    river = _site(session, _RIVER_4547.text)
    with tempfile.TemporaryDirectory(prefix="landgis-demo-dem-") as tmp:
        path = write_dem(Path(tmp) / "dem.tif", tuple(bounds), river, seed)
        raster = import_raster(
            session,
            ImportRequest(
                source=path,
                name=DEM_NAME,
                sensor="generated (landgis demo)",
                band_names=["elevation"],
                actor=actor,
            ),
        )
    return raster.id
