"""The survey report page /maps/surveys/{id}: an offline folium map and the report table."""

from __future__ import annotations

import html
from typing import Any

import folium
import shapely
from sqlalchemy.orm import Session

from gis.survey import repository as repo
from gis.survey.service import survey_report
from gis.web.maps import offline_map, page_root, render

CLASS_COLOURS = {1: "#1a9850", 2: "#fdae61", 3: "#f46d43", None: "#d73027"}


def survey_page(session: Session, survey_id: int) -> str:
    """HTML of the survey map: boundary, registered parcel, points by class, tracks."""
    report = survey_report(session, survey_id)
    extent = report["survey"]["summary"]["extent"]
    centre = ((extent[1] + extent[3]) / 2, (extent[0] + extent[2]) / 2)
    fmap = offline_map(centre, zoom=18)
    wkb = repo.boundary_wkb(session, survey_id)
    if wkb is not None:
        folium.GeoJson(
            shapely.geometry.mapping(shapely.from_wkb(wkb)),
            name="实测界址 surveyed boundary",
            style_function=lambda _: {"color": "#d73027", "weight": 3, "fillOpacity": 0.1},
        ).add_to(fmap)
    if report["registered_parcel"] is not None:
        _add_registered(session, fmap, report)
    for track in repo.survey_tracks_geojson(session, survey_id):
        folium.GeoJson(track["geometry"], name=f"轨迹 track {track['seq']}").add_to(fmap)
    for p in report["boundary_points"]:
        folium.CircleMarker(
            (p["lat"], p["lon"]),
            radius=5,
            color=CLASS_COLOURS.get(p["accuracy_class"], "#d73027"),
            fill=True,
            tooltip=f"{p['name'] or p['seq']} · 等级 class {p['accuracy_class'] or '—'}",
        ).add_to(fmap)
    fmap.fit_bounds([[extent[1], extent[0]], [extent[3], extent[2]]])
    folium.LayerControl().add_to(fmap)
    page_root(fmap).html.add_child(folium.Element(_table(report)))
    return render(fmap, f"测量成果 Survey {survey_id}")


def _add_registered(session: Session, fmap: folium.Map, report: dict[str, Any]) -> None:
    from sqlalchemy import text

    geojson = session.execute(
        text("SELECT ST_AsGeoJSON(geom, 8) FROM parcel WHERE id = :id"),
        {"id": report["registered_parcel"]["id"]},
    ).scalar_one()
    folium.GeoJson(
        geojson,
        name="登记宗地 registered parcel",
        style_function=lambda _: {"color": "#4575b4", "weight": 2, "dashArray": "6", "fill": False},
    ).add_to(fmap)


def _table(report: dict[str, Any]) -> str:
    s = report["survey"]
    verdict = report.get("verdict_zh", "无界址面 no boundary polygon")
    rows = "".join(
        f"<tr><td>{html.escape(str(p['name'] or p['seq']))}</td><td>{p['accuracy_class'] or '—'}"
        f"</td><td>{p['precision_m'] if p['precision_m'] is not None else '—'}</td>"
        f"<td>{html.escape(p['flag'] or '')}</td></tr>"
        for p in report["boundary_points"][:200]
    )
    comparison = report.get("comparison") or {}
    return (
        '<div class="landgis-panel" id="survey-report" style="position:absolute;right:8px;'
        "bottom:8px;z-index:1000;background:#fff;padding:8px;max-height:45%;overflow:auto;"
        'font-size:12px">'
        f"<b>{html.escape(s['surveyor'])}</b> · {html.escape(s['instrument'])} · "
        f"{s['survey_date'] or ''} · {s['source_crs']}<br>"
        f"结论 verdict: <b id='verdict'>{html.escape(verdict)}</b>"
        f" · 面积差 area difference: {comparison.get('area_difference_m2', '—')} m²"
        "<table><tr><th>点号</th><th>等级</th><th>精度 m</th><th>说明</th></tr>"
        f"{rows}</table></div>"
    )
