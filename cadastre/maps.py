"""The landing page: an offline folium map of the district (parcels, plan, roads)."""

from __future__ import annotations

import json

import folium
from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from cadastre import repository
from gis.basemap.repository import roads_geojson
from gis.db import get_session
from gis.landuse import FIRST_LEVEL
from gis.planning.models import LAYERS
from gis.planning.repository import zones_geojson
from gis.web.maps import LAND_USE_COLOURS, land_use_colour, offline_map, page_root, render

router = APIRouter(tags=["maps"])
LANDING_PARCELS = 6000
NAV_LINKS = [
    ("/maps/auctions", "土地交易 auctions"),
    ("/maps/planning", "规划 planning"),
    ("/maps/services", "办事指南 services"),
    ("/maps/desk", "办件台 case desk"),
    ("/maps/quality", "质检 quality"),
    ("/maps/changes", "卫片 changes"),
    ("/maps/trading/statistics", "统计 statistics"),
    ("/ogc", "OGC API"),
    ("/docs", "API"),
]
NAV = "<nav>" + "".join(f'<a href="{href}">{label}</a>' for href, label in NAV_LINKS) + "</nav>"


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def landing(session: Session = Depends(get_session)) -> HTMLResponse:
    """The district map: parcels coloured by land use, plan layers and roads; works offline."""
    centre = repository.district_centre(session)
    if centre is None:
        return HTMLResponse(
            "<h1>landgis</h1><p>The register is empty: run <code>landgis demo load</code>.</p>"
        )
    lon, lat = centre
    fmap = offline_map((lat, lon), zoom=15)
    _add_plan_layers(fmap, session)
    folium.GeoJson(
        json.loads(roads_geojson(session)),
        name="道路 roads",
        style_function=lambda f: {"color": "#ffffff", "weight": 3, "opacity": 0.9},
        tooltip=folium.GeoJsonTooltip(fields=["name"], aliases=["道路 road"]),
    ).add_to(fmap)
    parcels = json.loads(repository.public_parcels_near(session, lon, lat, LANDING_PARCELS))
    folium.GeoJson(
        parcels,
        name="宗地 parcels",
        style_function=lambda f: {
            "fillColor": land_use_colour(f["properties"]["land_use"]),
            "color": "#555555",
            "weight": 0.6,
            "fillOpacity": 0.65,
        },
        highlight_function=lambda f: {"weight": 2.5, "color": "#d7191c"},
        popup=folium.GeoJsonPopup(
            fields=["unit_code", "land_use", "area_m2", "reg_status"],
            aliases=["不动产单元号 unit code", "地类 land use", "面积 area (m²)", "状态 status"],
        ),
    ).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    _add_legend(fmap)
    return HTMLResponse(render(fmap, "东莞示范区 demo district", NAV))


def _add_plan_layers(fmap: folium.Map, session: Session) -> None:
    styles = {
        "zoning": lambda f: {
            "fillColor": land_use_colour(f["properties"]["code"]),
            "color": "#777",
            "weight": 0.5,
            "fillOpacity": 0.15,
        },
        "farmland": lambda f: {
            "fillColor": "#2e7d32",
            "color": "#1b5e20",
            "weight": 1.5,
            "fillOpacity": 0.15,
            "dashArray": "4 4",
        },
        "development_boundary": lambda f: {"fill": False, "color": "#c62828", "weight": 3},
        "ecological_redline": lambda f: {
            "fillColor": "#00897b",
            "color": "#004d40",
            "weight": 2,
            "fillOpacity": 0.2,
        },
    }
    for layer, style in styles.items():
        zh, en = LAYERS[layer]
        folium.GeoJson(
            json.loads(zones_geojson(session, layer)),
            name=f"{zh} {en}",
            style_function=style,
            show=layer == "development_boundary",
        ).add_to(fmap)


def _add_legend(fmap: folium.Map) -> None:
    rows = "".join(
        f'<div><i style="background:{colour}"></i>{code} {FIRST_LEVEL[code][0]}</div>'
        for code, colour in LAND_USE_COLOURS.items()
    )
    html = (
        f'<div class="legend" style="position:absolute;bottom:64px;left:10px;z-index:1000">'
        f"<b>地类 land use</b>{rows}</div>"
    )
    page_root(fmap).html.add_child(folium.Element(html))
