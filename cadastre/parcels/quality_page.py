"""The quality report as a map (``/maps/quality``): the current parcels drawn from this
server's vector tiles, the findings on top as coloured markers, and a panel counting each
kind of finding, so that "nothing found" (parcels drawn, every count 0) reads differently
from "nothing loaded" (no parcels in the zone).

Only public attributes appear: unit codes, areas, reasons; no names of persons.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from cadastre.maps import TEMPLATES, parcels_layer
from cadastre.parcels import quality, quality_state
from cadastre.parcels import repository as repo
from cadastre.registry.certificate_facts import zh_date
from gis.db import app_engine, get_session, transaction
from gis.jobs import store as jobs
from gis.settings import get_settings
from gis.web import staffmaps
from gis.web.templating import render_template

router = APIRouter(prefix="/maps", tags=["maps"])
KIND_COLOURS = {"overlap": "#d7191c", "gap": "#2b83ba", "invalid": "#7b3294", "sliver": "#fdae61"}
MAX_MARKERS = 3000
FINDING_POPUP = [
    ("kind_name", "问题 finding"),
    ("unit_codes", "不动产单元号 unit codes"),
    ("detail", "面积或原因 area (m²) or reason"),
]


def findings_geojson(report: quality.Report) -> dict[str, Any]:
    """The located findings as points (lon/lat, EPSG:4490), at most ``MAX_MARKERS``."""
    features: list[dict[str, Any]] = []
    for kind, (zh, en) in quality.KINDS.items():
        for f in report.findings[kind]:
            if f.get("location") is None or len(features) >= MAX_MARKERS:
                continue
            codes = f.get("unit_codes") or [f.get("block_code", "")]
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": list(f["location"])},
                    "properties": {
                        "kind": kind,
                        "kind_name": f"{zh} {en}",
                        "unit_codes": ", ".join(str(c) for c in codes),
                        "detail": str(f.get("area_m2", f.get("reason", ""))),
                    },
                }
            )
    return {"type": "FeatureCollection", "features": features}


def findings_layer(report: quality.Report) -> dict[str, Any]:
    """The findings layer, one colour per kind."""
    styles = {k: {"color": c, "fillColor": c} for k, c in KIND_COLOURS.items()}
    return staffmaps.geojson(
        "findings",
        "质检问题 findings",
        findings_geojson(report),
        {"weight": 2, "fillOpacity": 0.8},
        style_by=("kind", styles),
        popup=FINDING_POPUP,
    )


def build(session: Session, zone: str | None, engine: Engine) -> str:
    """The page's HTML: parcels under the findings, counts per kind in the side panel. The
    findings are the kept state's (a read, whatever the register's size); what edits
    touched since is checked here when it is little, else by the background pass, whose
    progress the page shows."""
    with transaction(session):  # a small refresh is written for the next reader
        report = quality_state.report(session, zone, quick=quality_state.QUICK_SUBZONES)
    running = jobs.running(engine, quality_state.JOB_KIND)  # its own short read
    centre = repo.centre(session, zone)
    counts = [
        (k, KIND_COLOURS[k], zh, en, len(report.findings[k]))
        for k, (zh, en) in quality.KINDS.items()
    ]
    layers = [parcels_layer(), findings_layer(report)]
    return render_template(
        "quality.html",
        TEMPLATES,
        title="质量检查 quality report",
        subtitle=zone or "全部地籍区 whole register",
        nav_current="/maps/quality",
        zone=zone,
        parcels=report.parcels,
        counts=counts,
        total=sum(c[-1] for c in counts),
        shown=len(layers[1]["data"]["features"]),
        pending=report.pending,
        checked_at=_when(report.checked_at),
        running=running,
        config=staffmaps.config(centre, 15 if zone else 13, layers),
    )


def _when(at: datetime | None) -> str | None:
    """An instant in the bureau's time zone: 2026年12月3日 09:30."""
    if at is None:
        return None
    return f"{zh_date(at)} {at.astimezone(ZoneInfo(get_settings().timezone)):%H:%M}"


@router.get("/quality", response_class=HTMLResponse)
def quality_page(
    zone: str | None = None,
    session: Session = Depends(get_session),
    engine: Engine = Depends(app_engine),
) -> HTMLResponse:
    """The quality report of a zone (or the register) over the parcels, with counts."""
    return HTMLResponse(build(session, zone, engine))
