"""Map pages: one raster (``/maps/rasters/{id}``) and the enforcement map (``/maps/changes``).

Both are Jinja2 pages on the staff map layout (``staffmap.html``): a raster with its
legend (a colour ramp for an elevation model, the stretch for imagery), and the change run
with the before and after scenes under a swipe bar, the patches on top and their verdicts
listed beside the map (卫片执法).
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse
from shapely.geometry import shape
from sqlalchemy.orm import Session

from gis.db import get_session
from gis.raster import changes, repository, service
from gis.raster.maps import (
    VERDICT_COLOURS,
    display_style,
    is_dem,
    legend,
    patch_collection,
    raster_tile_url,
)
from gis.raster.models import FIELD_STATUSES, VERDICTS, ChangeRun, Raster
from gis.web import staffmaps
from gis.web.templating import render_template

router = APIRouter(prefix="/maps", tags=["maps"], include_in_schema=False)
SessionDep = Annotated[Session, Depends(get_session)]
DEFAULT_CENTRE = (113.75, 23.02)  # lon/lat of the demo district, for a catalogue with no run
HILLSHADE_OPACITY = 0.45
PATCH_POPUP = [
    ("verdict_zh", "判定"),
    ("verdict_en", "verdict"),
    ("status_zh", "核查 field check"),
    ("area_m2", "面积 area (m²)"),
    ("in_farmland", "基本农田 in basic farmland"),
]


def _box(geojson: dict[str, Any]) -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = shape(geojson).bounds
    return (minx, miny, maxx, maxy)


def _centre(box: tuple[float, float, float, float]) -> tuple[float, float]:
    return ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)


def raster_layers(raster: Raster, style: dict[str, str]) -> list[dict[str, Any]]:
    """The raster drawn in ``style``; an elevation model also gets a hillshade on top."""
    layers = [staffmaps.raster("raster", raster.name, raster_tile_url(raster.id, **style))]
    if is_dem(raster):
        url = raster_tile_url(raster.id, algorithm="hillshade")
        layers.append(
            staffmaps.raster("hillshade", "山体阴影 hillshade", url, True, HILLSHADE_OPACITY)
        )
    return layers


@router.get("/rasters/{raster_id}", response_class=HTMLResponse)
def raster_page(raster_id: int, session: SessionDep) -> HTMLResponse:
    """One catalogued raster on an offline map, with its footprint outline and legend."""
    raster = service.get_raster(session, raster_id)
    footprint = repository.footprint_geojson(session, raster_id)
    box = _box(footprint)
    style = display_style(raster)
    outline = staffmaps.geojson(
        "footprint",
        "覆盖范围 footprint",
        {"type": "Feature", "geometry": footprint, "properties": {}},
        {"fill": False, "color": "#3388ff", "weight": 2},
    )
    layers = [*raster_layers(raster, style), outline]
    return HTMLResponse(
        render_template(
            "raster.html",
            title=f"影像 raster {raster.id}",
            subtitle=raster.name,
            raster=raster,
            dem=is_dem(raster),
            style=style,
            legend=legend(raster, style),
            config=staffmaps.config(_centre(box), 12, layers, staffmaps.bounds_of(box)),
        )
    )


def _latest_run(session: Session, run_id: int | None) -> ChangeRun | None:
    if run_id is not None:
        return changes.get_run(session, run_id)
    runs = repository.list_runs(session, 1, 0)
    return runs[0] if runs else None


@router.get("/changes", response_class=HTMLResponse)
def changes_page(session: SessionDep, run_id: int | None = None) -> HTMLResponse:
    """The latest (or given) change run: swipe between before and after, patches on top,
    the verdicts listed beside the map."""
    run = _latest_run(session, run_id)
    if run is None:
        return HTMLResponse(
            render_template(
                "changes.html",
                title="卫片执法 change detection",
                run=None,
                config=staffmaps.config(DEFAULT_CENTRE, 12, []),
            )
        )
    return HTMLResponse(_changes_html(session, run))


def _changes_html(session: Session, run: ChangeRun) -> str:
    before = service.get_raster(session, run.before_id)
    after = service.get_raster(session, run.after_id)
    box = _box(repository.footprint_geojson(session, after.id))
    style = display_style(before, after)
    patches = patch_collection(changes.list_patches(session, run_id=run.id, limit=100_000))
    patch_layer = staffmaps.geojson(
        "patches",
        "变化图斑 change patches",
        patches,
        {"weight": 2, "fillOpacity": 0.15, "color": "#333"},
        style_by=("verdict", {k: {"color": c} for k, c in VERDICT_COLOURS.items()}),
        popup=PATCH_POPUP,
    )
    layers = [
        staffmaps.raster(
            "before", f"前时相 before: {before.name}", raster_tile_url(before.id, **style)
        ),
        staffmaps.raster(
            "after", f"后时相 after: {after.name}", raster_tile_url(after.id, **style)
        ),
        patch_layer,
    ]
    props = [f["properties"] for f in patches["features"]]
    return render_template(
        "changes.html",
        title="卫片执法 change detection",
        subtitle=f"run {run.id}: {before.name} → {after.name}",
        run=run,
        before=before,
        after=after,
        patches=props,
        verdicts=[
            (k, zh, en, Counter(p["verdict"] for p in props)[k]) for k, (zh, en) in VERDICTS.items()
        ],
        statuses=[
            (k, zh, en, Counter(p["status"] for p in props)[k])
            for k, (zh, en) in FIELD_STATUSES.items()
        ],
        colours=VERDICT_COLOURS,
        export=f"/api/v1/change-patches?run_id={run.id}",
        config=staffmaps.config(_centre(box), 14, layers, staffmaps.bounds_of(box)),
    )
