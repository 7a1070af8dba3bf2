"""The planners' map: the layers of the plan in force and a compliance form (offline folium)."""

from __future__ import annotations

import json

import folium
from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.landuse import FIRST_LEVEL
from gis.planning import repository
from gis.planning.models import LAYERS
from gis.replica import get_read_session
from gis.web.maps import land_use_colour, offline_map, render

router = APIRouter(tags=["maps"])
STYLES = {
    "farmland": {"color": "#b8860b", "fillColor": "#f2e35c", "fillOpacity": 0.35, "weight": 2},
    "development_boundary": {"color": "#d62728", "fill": False, "weight": 3, "dashArray": "6 4"},
    "ecological_redline": {"color": "#2ca02c", "fillColor": "#2ca02c", "fillOpacity": 0.3},
}
FORM = """
<div class="landgis-panel" style="position:absolute;bottom:30px;left:10px;z-index:1100;
 background:#fff;padding:8px;max-width:320px;font:13px sans-serif">
<b>合规性检查 compliance check</b><br>
<input id="uc" placeholder="不动产单元代码 unit code (28)" size="30"><br>
<select id="cls">{options}</select>
<button id="go">检查 check</button>
<div id="out"></div></div>
<script>
document.getElementById('go').onclick = async () => {{
  const body = {{unit_code: document.getElementById('uc').value.trim(),
                proposed_land_use: document.getElementById('cls').value}};
  const r = await fetch('/api/v1/planning/compliance', {{method: 'POST',
    headers: {{'Content-Type': 'application/json'}}, body: JSON.stringify(body)}});
  const d = await r.json();
  const out = document.getElementById('out');
  if (!r.ok) {{ out.textContent = d.detail; return; }}
  out.innerHTML = '<b id="verdict">' + d.verdict + '</b><ul>' + d.conflicts.map(
    c => '<li>' + c.message_zh + ' ' + c.message_en + ': ' + c.area_m2 + ' m²</li>').join('')
    + d.warnings.map(w => '<li>⚠ ' + w.message_zh + ' ' + w.message_en + '</li>').join('')
    + '</ul>';
}};
</script>
"""


def _centre(session: Session) -> tuple[float, float]:
    row = session.execute(
        text(
            "SELECT ST_Y(c), ST_X(c) FROM (SELECT ST_Centroid(ST_Extent(geom)) c FROM plan_zone) s"
        )
    ).one()
    return (row[0] or 23.0, row[1] or 113.75)


@router.get("/maps/planning", response_class=HTMLResponse, include_in_schema=False)
def planning_map(session: Session = Depends(get_read_session)) -> HTMLResponse:
    """The zoning, farmland, boundary and red-line layers of the edition in force."""
    fmap = offline_map(_centre(session), zoom=14)
    for layer, (zh, en) in LAYERS.items():
        data = json.loads(repository.zones_geojson(session, layer))
        if not data["features"]:
            continue
        style = STYLES.get(layer)
        folium.GeoJson(
            data,
            name=f"{zh} {en}",
            style_function=(lambda f, s=style: s)
            if style
            else (
                lambda f: {
                    "fillColor": land_use_colour(f["properties"]["code"]),
                    "color": "#555",
                    "weight": 1,
                    "fillOpacity": 0.5,
                }
            ),
            tooltip=folium.GeoJsonTooltip(fields=["code", "name"], aliases=["code", zh]),
        ).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    options = "".join(
        f'<option value="{k}">{k} {zh} {en}</option>' for k, (zh, en) in FIRST_LEVEL.items()
    )
    fmap.get_root().html.add_child(folium.Element(FORM.format(options=options)))  # type: ignore[attr-defined]
    return HTMLResponse(render(fmap, "规划图层 planning layers"))
