"""Registrars' pages (offline folium): a parcel with its neighbours and history timeline
(``/maps/parcels``); the quality map is :mod:`cadastre.parcels.quality_page`.

Only public attributes appear: no names of persons, staff included.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import folium
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from cadastre.maps import (
    TEMPLATES,
    district_config,
    parcels_centre,
    parcels_layer,
    parcels_version,
)
from cadastre.parcels import repository as repo
from cadastre.parcels import schemas, service, timeline
from cadastre.parcels.links import ParcelLink, ParcelLinks
from gis import landuse
from gis.db import get_session
from gis.errors import InvalidInput, NotFound
from gis.limits import check_text
from gis.web.maps import land_use_colour, offline_map, page_root, render
from gis.web.pages import serve_page
from gis.web.templating import render_template

router = APIRouter(prefix="/maps", tags=["maps"])
SEARCH_ZOOM = 15
DEFAULT_CENTRE = (113.7518, 23.0205)  # lon/lat of Dongguan's demo district, for an empty register
PANEL = (
    '<div class="legend" style="position:absolute;top:46px;right:10px;z-index:1000;'
    'max-height:70%;overflow:auto;max-width:340px">{}</div>'
)
SQM_PER_MU = Decimal(10000) / Decimal(15)  # 1 亩 = 10000/15 m²


def _versions(rows: list[repo.ParcelRow]) -> list[dict[str, Any]]:
    """The parcel's versions for the timeline (times to the second, UTC offset kept)."""
    return [
        {
            "version": r.version,
            "unit_code": r.unit_code,
            "land_use": r.land_use,
            "area_m2": r.area_m2,
            "begin": r.begin_lifespan.isoformat(timespec="seconds"),
            "end": r.end_lifespan.isoformat(timespec="seconds") if r.end_lifespan else None,
        }
        for r in rows
    ]


def parcel_links(request: Request) -> ParcelLinks:
    """The app's parcel link providers (none registered: an empty set)."""
    links = getattr(request.app.state, "parcel_links", None)
    return links if isinstance(links, ParcelLinks) else ParcelLinks()


@router.get("/parcels/links", response_model=list[ParcelLink])
def links_of_parcel(
    request: Request,
    unit_code: str = Query(..., max_length=64),
    session: Session = Depends(get_session),
) -> list[ParcelLink]:
    """Links of a parcel's popup besides its own page (a listing selling it, ...), from
    the providers the composition root registered; public, no personal data."""
    check_text(unit_code, "unit_code")
    return parcel_links(request).links(session, unit_code.strip())


@router.get("/parcels", response_class=HTMLResponse)
async def parcel_page(request: Request, unit_code: str | None = None) -> Response:
    """A parcel, its neighbours (click to open them) and its history timeline; without
    ``unit_code`` a search page (type a unit code, or click a parcel on the map), which
    also answers an unknown or malformed code (404 / 422, with the reason).

    Pages are kept per committed version of the parcels and revalidated by ETag."""
    code = (unit_code or "").strip()
    key = ("maps/parcels", code)
    return await serve_page(
        request, key, lambda: parcels_version(request), lambda s: _page_or_search(s, code)
    )


def _page_or_search(session: Session, code: str) -> tuple[str, int]:
    if not code:
        return _search_page(session, code, None), 200
    try:
        return _parcel_html(session, code), 200
    except NotFound as exc:
        return _search_page(session, code, f"未找到该宗地 no such parcel: {exc}"), 404
    except InvalidInput as exc:
        return _search_page(session, code, f"单元号格式有误 malformed unit code: {exc}"), 422


def _search_page(session: Session, code: str, message: str | None) -> str:
    """The search form over the clickable parcel tiles (popups link to each parcel page)."""
    centre = parcels_centre(session) or DEFAULT_CENTRE
    return render_template(
        "parcel_search.html",
        TEMPLATES,
        title="宗地查询 parcel search",
        nav_current="/maps/parcels",
        code=code,
        message=message,
        config=district_config(session, centre, SEARCH_ZOOM, [parcels_layer()]),
        timeline=timeline.slider_config(session),  # the time slider (parcel_timeslider.html)
    )


def _parcel_html(session: Session, unit_code: str) -> str:
    """The parcel page (folium): the parcel, its neighbours, its facts and its history (the
    panel is the template ``parcel_panel.html``; its links to listings are fetched by the
    browser from ``/maps/parcels/links``, as they change without the parcels)."""
    row = service.get(session, unit_code)
    rows, edits = service.history(session, unit_code)
    lon, lat = row.ref_point["coordinates"]
    fmap = offline_map((lat, lon), zoom=18)
    neighbours = json.loads(repo.neighbours(session, row.ewkb, row.id))
    folium.GeoJson(
        neighbours,
        name="相邻宗地 neighbours",
        style_function=lambda f: {
            "fillColor": land_use_colour(f["properties"]["land_use"]),
            "color": "#555",
            "weight": 1,
            "fillOpacity": 0.4,
        },
        popup=folium.GeoJsonPopup(fields=["link", "land_use", "area_m2"], labels=False),
    ).add_to(fmap)
    older = [r for r in rows if r.id != row.id]
    if older:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": [schemas.parcel_feature(r) for r in older]},
            name="旧版本 earlier versions",
            style_function=lambda f: {"fill": False, "color": "#333", "dashArray": "5 5"},
            show=False,
        ).add_to(fmap)
    feature = schemas.parcel_feature(row)
    folium.GeoJson(
        feature,
        name="本宗地 this parcel",
        style_function=lambda f: {"fillColor": "#d7191c", "color": "#a50f15", "weight": 3},
        tooltip=f"{row.unit_code} · {row.land_use} · {row.area_m2} m²",
    ).add_to(fmap)
    fmap.fit_bounds(_bounds(feature["geometry"]), padding=(80, 80), max_zoom=18)
    folium.LayerControl(collapsed=False).add_to(fmap)
    page_root(fmap).html.add_child(
        folium.Element(
            render_template(
                "parcel_panel.html",
                TEMPLATES,
                p=_facts(row),
                versions=_versions(rows),
                edits=schemas.history_view(rows, edits)["edits"],
            )
        )
    )
    return render(fmap, f"宗地 parcel {row.unit_code}", current="/maps/parcels")


def _facts(row: repo.ParcelRow) -> dict[str, Any]:
    """The panel's facts: status and land use in Chinese and English, area in m² and 亩."""
    status = schemas.status_of(row.reg_status)
    zh, en = landuse.names(row.land_use)
    area = Decimal(str(row.area_m2))
    return {
        "unit_code": row.unit_code,
        "status": "已注销 retired" if row.end_lifespan else f"{status['zh']} {status['en']}",
        "land_use": row.land_use,
        "land_use_zh": zh,
        "land_use_en": en,
        "area_m2": f"{area:,.2f}",
        "area_mu": f"{area / SQM_PER_MU:,.2f}",
    }


def _bounds(geometry: dict[str, Any]) -> list[list[float]]:
    xs, ys = [], []
    for poly in geometry["coordinates"]:
        for x, y in poly[0]:
            xs.append(x)
            ys.append(y)
    return [[min(ys), min(xs)], [max(ys), max(xs)]]
