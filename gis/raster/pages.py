"""Map pages: one raster (``/maps/rasters/{id}``) and the enforcement map (``/maps/changes``).

Both are offline folium pages; the changes page shows the before and after images
with a swipe bar between them and the change patches on top.
"""

from __future__ import annotations

import html
from typing import Annotated

import folium
from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse
from shapely.geometry import shape
from sqlalchemy.orm import Session

from gis.db import get_session
from gis.raster import changes, repository, service
from gis.raster.maps import add_patches, add_raster_overlay, shared_style
from gis.web.maps import offline_map, page_root, render

router = APIRouter(prefix="/maps", tags=["maps"], include_in_schema=False)
SessionDep = Annotated[Session, Depends(get_session)]

SWIPE_JS = """
<input id="landgis-swipe" type="range" min="0" max="100" value="50" aria-label="swipe"
 style="position:absolute;bottom:24px;left:10%;width:80%;z-index:1000">
<script>
window.addEventListener("load", function () {
  var map = __MAP__, after = __AFTER__, input = document.getElementById("landgis-swipe");
  function clip() {
    var c = after.getContainer(); if (!c) return;
    var size = map.getSize(), x = size.x * input.value / 100;
    var nw = map.containerPointToLayerPoint([0, 0]);
    var se = map.containerPointToLayerPoint(size);
    c.style.clip = "rect(" + [nw.y, se.x, se.y, nw.x + x].join("px,") + "px)";
  }
  input.addEventListener("input", clip); map.on("move zoom", clip); clip();
});
</script>
"""


def _bounds(geojson: dict) -> list[list[float]]:
    minx, miny, maxx, maxy = shape(geojson).bounds
    return [[miny, minx], [maxy, maxx]]


@router.get("/rasters/{raster_id}", response_class=HTMLResponse)
def raster_page(raster_id: int, session: SessionDep) -> HTMLResponse:
    """One catalogued raster on an offline map, with its footprint outline."""
    raster = service.get_raster(session, raster_id)
    footprint = repository.footprint_geojson(session, raster_id)
    bounds = _bounds(footprint)
    centre = ((bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2)
    fmap = offline_map(centre, zoom=10)
    add_raster_overlay(fmap, raster)
    folium.GeoJson(
        footprint, name="footprint 覆盖范围", style_function=lambda _f: {"fill": False}
    ).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.fit_bounds(bounds)
    info = (
        f" · {html.escape(raster.name)} · {html.escape(raster.sensor or '-')} · "
        f"{raster.acquired_on or '-'} · {raster.width}x{raster.height} · {raster.band_count} bands"
    )
    return HTMLResponse(render(fmap, f"影像 raster {raster.id}", info))


@router.get("/changes", response_class=HTMLResponse)
def changes_page(session: SessionDep, run_id: int | None = None) -> HTMLResponse:
    """The latest (or given) change run: swipe between before and after, patches on top."""
    runs = (
        repository.list_runs(session, 1, 0)
        if run_id is None
        else [changes.get_run(session, run_id)]
    )
    if not runs:
        fmap = offline_map((23.02, 113.75), zoom=12)
        return HTMLResponse(render(fmap, "卫片执法 change detection", " · no change run yet"))
    run = runs[0]
    before = service.get_raster(session, run.before_id)
    after = service.get_raster(session, run.after_id)
    bounds = _bounds(repository.footprint_geojson(session, after.id))
    fmap = offline_map(((bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2))
    style = shared_style(before, after)
    add_raster_overlay(fmap, before, name=f"前时相 before: {before.name}", style=style)
    after_layer = add_raster_overlay(fmap, after, name=f"后时相 after: {after.name}", style=style)
    add_patches(fmap, changes.list_patches(session, run_id=run.id, limit=100_000))
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.fit_bounds(bounds)
    page_root(fmap).html.add_child(
        folium.Element(
            SWIPE_JS.replace("__MAP__", fmap.get_name()).replace(
                "__AFTER__", after_layer.get_name()
            )
        )
    )
    export = f"/api/v1/change-patches?run_id={run.id}"
    info = (
        f" · run {run.id}: {html.escape(before.name)} → {html.escape(after.name)} · "
        f"{run.patch_count} patches · <a href='{export}&f=csv'>CSV</a>"
        f" · <a href='{export}&f=gpkg'>GeoPackage</a>"
    )
    return HTMLResponse(render(fmap, "卫片执法 change detection", info))
