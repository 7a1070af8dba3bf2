"""The registrars' case desk: ``/maps/desk`` (list, filters, a case and its steps) and
``/maps/desk/parcel`` (the small offline map of a case's parcel).

The desk page holds no data itself: it signs in with the OAuth2 token endpoint, keeps the
token in sessionStorage and calls the registry API with it, so the API's role checks are
the only ones. The parcel map shows public attributes only (as the landing map does).
"""

from __future__ import annotations

import json
from html import escape
from importlib import resources

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

pages = APIRouter(prefix="/maps/desk", tags=["maps"], include_in_schema=False)
BASEMAP_LAYERS = {
    "parcels": {"style": {"weight": 0.5, "color": "#9a9a9a", "fill": True, "fillOpacity": 0.3}},
    "roads": {"style": {"weight": 3, "color": "#ffffff"}},
}
SMALL_MAP_CSS = (
    "<style>html body .folium-map{top:0!important;height:100%!important}"
    ".note{font:14px sans-serif;padding:1em}</style>"
)


def _options(items: dict[str, tuple[str, str]]) -> str:
    return "".join(
        f'<option value="{escape(code)}">{escape(zh)} {escape(en)}</option>'
        for code, (zh, en) in items.items()
    )


@pages.get("", response_class=HTMLResponse)
def desk_page() -> HTMLResponse:
    """The case desk (sign in as a registrar; everything else is fetched from the API)."""
    html = resources.files("cadastre.registry").joinpath("desk.html").read_text("utf-8")
    types = {code: (ct.name_zh, ct.name_en) for code, ct in CASE_TYPES.items()}
    html = html.replace("{{STATUS_OPTIONS}}", _options(STATUSES))
    html = html.replace("{{TYPE_OPTIONS}}", _options(types))
    html = html.replace("{{LABELS}}", json.dumps({"status": STATUSES, "type": types}))
    return HTMLResponse(html)


@pages.get("/parcel", response_class=HTMLResponse)
def parcel_map(
    unit_code: str = Query(..., max_length=28), session: Session = Depends(get_session)
) -> HTMLResponse:
    """A small offline map of the current parcel with ``unit_code`` (for the desk's iframe)."""
    parse_unit_code(unit_code)
    row = repo.current_parcel(session, unit_code)
    if row is None:
        return HTMLResponse(
            f'<p class="note">没有现行宗地 no current parcel has unit code {escape(unit_code)}</p>'
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
    root.header.add_child(folium.Element(SMALL_MAP_CSS))
    root.title = f"宗地 parcel {unit_code}"  # type: ignore[attr-defined]
    return HTMLResponse(root.render())
