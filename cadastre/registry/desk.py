"""The registrars' case desk: ``/maps/desk`` (list, filters, a case and its steps) and
``/maps/desk/parcel`` (the small offline map of a case's parcel).

The desk page holds no data itself: it signs in with the OAuth2 token endpoint, keeps the
token in sessionStorage and calls the registry API with it, so the API's role checks are
the only ones. The parcel map shows public attributes only (as the landing map does).
"""

from __future__ import annotations

import json
from pathlib import Path

import folium
from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse
from shapely.geometry import shape
from sqlalchemy.orm import Session

from cadastre.registry import repository as repo
from cadastre.registry.rules import CASE_TYPES, STATUSES
from cadastre.unit_code import parse_unit_code
from gis.db import get_session
from gis.web.maps import add_vector_basemap, land_use_colour, offline_map, page_root
from gis.web.templating import render_template

pages = APIRouter(prefix="/maps/desk", tags=["maps"], include_in_schema=False)
BASEMAP_LAYERS = {
    "parcels": {"style": {"weight": 0.5, "color": "#9a9a9a", "fill": True, "fillOpacity": 0.3}},
    "roads": {"style": {"weight": 3, "color": "#ffffff"}},
}
TEMPLATES = Path(__file__).parent / "templates"


@pages.get("", response_class=HTMLResponse)
def desk_page() -> HTMLResponse:
    """The case desk (sign in as a registrar; everything else is fetched from the API)."""
    types = {code: (ct.name_zh, ct.name_en) for code, ct in CASE_TYPES.items()}
    return HTMLResponse(
        render_template(
            "desk.html",
            TEMPLATES,
            statuses=STATUSES,
            types=types,
            labels={"status": STATUSES, "type": types},
            nav_current="/maps/desk",
        )
    )


@pages.get("/parcel", response_class=HTMLResponse)
def parcel_map(
    unit_code: str = Query(..., max_length=28), session: Session = Depends(get_session)
) -> HTMLResponse:
    """A small offline map of the current parcel with ``unit_code`` (for the desk's iframe)."""
    parse_unit_code(unit_code)
    row = repo.current_parcel(session, unit_code)
    if row is None:
        return HTMLResponse(
            render_template("desk_parcel_missing.html", TEMPLATES, unit_code=unit_code)
        )
    geometry = json.loads(row.geojson)
    west, south, east, north = shape(geometry).bounds
    fmap = offline_map(((south + north) / 2, (west + east) / 2), zoom=18)
    add_vector_basemap(fmap, BASEMAP_LAYERS)
    colour = land_use_colour(row.land_use)
    folium.GeoJson(
        {"type": "Feature", "geometry": geometry, "properties": {"unit_code": unit_code}},
        name="宗地 parcel",
        style_function=lambda f: {
            "fillColor": colour,
            "color": "#d7191c",
            "weight": 3,
            "fillOpacity": 0.6,
        },
        tooltip=f"{unit_code} · {row.land_use} · {row.area_m2} m²",
    ).add_to(fmap)
    fmap.fit_bounds([[south, west], [north, east]], max_zoom=19, padding=(20, 20))
    root = page_root(fmap)
    root.header.add_child(folium.Element(render_template("desk_map_style.html", TEMPLATES)))
    root.title = f"宗地 parcel {unit_code}"  # type: ignore[attr-defined]
    return HTMLResponse(root.render())
