"""The planners' map (``/maps/planning``): the layers of the plan in force drawn from this
server's vector tiles, the edition named in the heading, a legend, and a compliance form
whose verdict is drawn on the map (the parcel outlined in the verdict's colour)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.landuse import FIRST_LEVEL
from gis.planning import repository
from gis.planning.models import LAYERS
from gis.replica import get_read_session
from gis.web import staffmaps
from gis.web.maps import LAND_USE_COLOURS
from gis.web.templating import render_template

router = APIRouter(tags=["maps"])
COMPLIANCE_API = "/api/v1/planning/compliance"
ZONE_POPUP = [("code", "用途 code"), ("name", "名称 name")]
STYLES: dict[str, dict[str, Any]] = {
    "zoning": {"fill": True, "color": "#555", "weight": 1, "fillOpacity": 0.5},
    "farmland": {
        "fill": True,
        "color": "#b8860b",
        "fillColor": "#f2e35c",
        "fillOpacity": 0.35,
        "weight": 2,
    },
    "ecological_redline": {
        "fill": True,
        "color": "#2ca02c",
        "fillColor": "#2ca02c",
        "fillOpacity": 0.3,
        "weight": 2,
    },
    "development_boundary": {"fill": False, "color": "#d62728", "weight": 3, "dashArray": "6 4"},
}


def _centre(session: Session) -> tuple[float, float]:
    """(lon, lat) of the middle of the plan's zones (the demo district when there are none)."""
    row = session.execute(
        text(
            "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(ST_Extent(geom)) c FROM plan_zone) s"
        )
    ).one()
    return (row[0] or 113.75, row[1] or 23.0)


def plan_layers() -> list[dict[str, Any]]:
    """One vector layer per planning layer (the zones clickable), then the roads."""
    layers = [
        staffmaps.vector(
            f"plan_{name}",
            f"{zh} {en}",
            STYLES[name],
            colour_by="code" if name == "zoning" else None,
            popup=ZONE_POPUP,
        )
        for name, (zh, en) in LAYERS.items()
    ]
    road = {"color": "#ffffff", "weight": 3, "opacity": 0.9}
    return [*layers, staffmaps.vector("roads", "道路 roads", road, show=False)]


def edition_in_force(session: Session) -> Any:
    """The edition in force (id, name, approved_on, ...), or None."""
    edition = repository.in_force_id(session)
    return None if edition is None else repository.edition_row(session, edition)


@router.get("/maps/planning", response_class=HTMLResponse, include_in_schema=False)
def planning_map(session: Session = Depends(get_read_session)) -> HTMLResponse:
    """The zoning, farmland, boundary and red-line layers of the edition in force."""
    edition = edition_in_force(session)
    subtitle = (
        f"现行规划 plan in force: {edition.name}（批准 approved {edition.approved_on}）"
        if edition
        else "无现行规划 no plan in force"
    )
    legend = [
        (code, LAND_USE_COLOURS.get(code, "#ccc"), zh, en) for code, (zh, en) in FIRST_LEVEL.items()
    ]
    return HTMLResponse(
        render_template(
            "planning.html",
            title="规划图层 planning layers",
            subtitle=subtitle,
            edition=edition,
            legend=legend,
            classes=list(FIRST_LEVEL.items()),
            api=COMPLIANCE_API,
            config=staffmaps.config(_centre(session), 14, plan_layers()),
        )
    )
