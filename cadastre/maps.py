"""The landing page: the district map (parcels by land use, plan layers, roads), drawn
from this server's vector tiles, so the page is a few kilobytes whatever the register's
size; works offline. It is built once per committed version of the parcels (the map is
centred on them) and then served from memory with an ETag (see :mod:`gis.web.pages`)."""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from cadastre import place_search, places
from cadastre.collections import PARCELS
from cadastre.parcels.schemas import STATUS_NAMES
from gis.db import get_session
from gis.errors import InvalidInput
from gis.landuse import FIRST_LEVEL, SECOND_LEVEL
from gis.limits import check_text, lonlat_bbox
from gis.planning.models import LAYERS
from gis.tiles import freshness
from gis.tiles import repository as tiles_repository
from gis.tiles.api import tile_cache
from gis.web.maps import LAND_USE_COLOURS
from gis.web.nav import NavEntry
from gis.web.pages import serve_page
from gis.web.templating import render_template
from gis.web.vectorlayers import layer, map_config

router = APIRouter(tags=["maps"])
TEMPLATES = Path(__file__).parent / "templates"
LANDING_ZOOM = 15
NAV_ENTRIES = [  # cadastre's entries of the one navigation bar (gis.web.nav)
    NavEntry("/", "地图", "map", 0),
    NavEntry("/maps/parcels", "宗地查询", "parcels", 10),
    NavEntry("/maps/services", "办事指南", "services", 20),
    NavEntry("/maps/notices", "公告", "notices", 25),
    NavEntry("/maps/desk", "办件台", "desk", 60),
    NavEntry("/maps/quality", "质检", "quality", 70),
]
PARCEL_POPUP = [
    ("unit_code", "不动产单元号 unit code"),
    ("land_use", "地类 land use", "names"),
    ("area_m2", "面积 area", "area"),
    ("reg_status", "登记状态 status", "names"),
]
PARCEL_LINK = "/maps/parcels?unit_code={unit_code}"
PARCEL_LINKS = "/maps/parcels/links?unit_code={unit_code}"
SEARCH_URL = "/maps/search"
LABELS_URL = "/maps/labels"
PLAN_STYLES: dict[str, tuple[dict[str, Any], bool]] = {
    "zoning": ({"fill": True, "color": "#777", "weight": 0.5, "fillOpacity": 0.15}, False),
    "farmland": (
        {
            "fill": True,
            "fillColor": "#2e7d32",
            "color": "#1b5e20",
            "weight": 1.5,
            "fillOpacity": 0.15,
            "dashArray": "4 4",
        },
        False,
    ),
    "ecological_redline": (
        {"fill": True, "fillColor": "#00897b", "color": "#004d40", "weight": 2, "fillOpacity": 0.2},
        False,
    ),
    "development_boundary": ({"fill": False, "color": "#c62828", "weight": 3}, True),
}


def parcels_layer(show: bool = True) -> dict[str, Any]:
    """The clickable parcel layer (public attributes in the popup, a link to the parcel page)."""
    style = {"fill": True, "color": "#555555", "weight": 0.6, "fillOpacity": 0.65}
    return layer(
        PARCELS.id,
        "宗地 parcels",
        style,
        show=show,
        colour_by="land_use",
        popup=PARCEL_POPUP,
        link=PARCEL_LINK,
        links_url=PARCEL_LINKS,
    )


def popup_names() -> dict[str, dict[str, str]]:
    """Display names of the popup's coded values: GB/T 21010 land uses (code, Chinese,
    English) and registration statuses (Chinese, English)."""
    uses = {**FIRST_LEVEL, **SECOND_LEVEL}
    return {
        "land_use": {code: f"{code} {zh} {en}" for code, (zh, en) in uses.items()},
        "reg_status": {code: f"{zh} {en}" for code, (zh, en) in STATUS_NAMES.items()},
    }


def district_config(
    session: Session, centre: tuple[float, float], zoom: int, layers: list[dict[str, Any]]
) -> dict[str, Any]:
    """A vector map page's config over the district: popup names, search, place labels,
    the water bodies."""
    return map_config(
        centre,
        zoom,
        layers,
        names=popup_names(),
        search_url=SEARCH_URL,
        labels=places.labels(session),
        labels_url=LABELS_URL,
        shapes=places.shapes(session),
    )


def district_layers() -> list[dict[str, Any]]:
    """Plan layers (the development boundary shown), parcels, then roads on top."""
    plans = [
        layer(
            f"plan_{name}",
            " ".join(LAYERS[name]),
            style,
            show=show,
            colour_by="code" if name == "zoning" else None,
        )
        for name, (style, show) in PLAN_STYLES.items()
        if name != "development_boundary"
    ]
    boundary_style, _ = PLAN_STYLES["development_boundary"]
    return [
        *plans,
        parcels_layer(),
        layer("roads", "道路 roads", {"color": "#ffffff", "weight": 3, "opacity": 0.9}),
        layer(
            "plan_development_boundary", " ".join(LAYERS["development_boundary"]), boundary_style
        ),
    ]


def parcels_centre(session: Session) -> tuple[float, float] | None:
    """(lon, lat) of the middle of the current parcels, or None for an empty register."""
    box = tiles_repository.extent(session, PARCELS)
    return None if box is None else ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)


async def parcels_version(request: Request) -> Hashable:
    """The committed change mark of the parcel table (one shared, batched round trip on
    the event loop): pages centred on the parcels are rebuilt when it moves."""
    marks = await freshness.of_app(request.app.state).sync_cache(tile_cache(request))
    return marks.get(PARCELS.table)


def build_landing(session: Session) -> str:
    """The landing page's HTML (no features in it: they come as tiles)."""
    centre = parcels_centre(session)
    if centre is None:
        return render_template("landing_empty.html", TEMPLATES)
    legend = [(code, colour, FIRST_LEVEL[code][0]) for code, colour in LAND_USE_COLOURS.items()]
    return render_template(
        "landing.html",
        TEMPLATES,
        title="东莞示范区 demo district",
        nav_current="/",
        legend=legend,
        config=district_config(session, centre, LANDING_ZOOM, district_layers()),
    )


@router.get("/maps/search", response_model=list[place_search.PlaceHit])
def search_places(
    q: str = Query("", max_length=200), session: Session = Depends(get_session)
) -> list[dict[str, Any]]:
    """The district map's search box: parcels by unit code (or its beginning), roads,
    towns (镇街) and communities by name; each hit with its lon/lat bounds."""
    check_text(q, "q")
    return place_search.search(session, q)


@router.get(LABELS_URL, response_model=list[places.PlaceLabel])
def view_labels(
    bbox: str = Query(..., description="minlon,minlat,maxlon,maxlat (EPSG:4490)"),
    zoom: int = Query(..., ge=0, le=22),
    session: Session = Depends(get_session),
) -> list[dict[str, Any]]:
    """The place names a district map shows in its view at this zoom: 社区/村 (z14+),
    main roads (z15+), 鱼塘 blocks (z16+); the towns and water are in the page itself."""
    view = lonlat_bbox(bbox)
    if view is None:
        raise InvalidInput("缺少范围；bbox is required (minlon,minlat,maxlon,maxlat)", field="bbox")
    return places.labels_in(session, view, zoom)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def landing(request: Request) -> Response:
    """The district map: parcels coloured by land use, plan layers and roads; works offline."""
    return await serve_page(request, "landing", lambda: parcels_version(request), build_landing)
