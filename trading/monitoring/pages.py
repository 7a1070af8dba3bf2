"""The page of 批后监管 (``/maps/monitoring``): sold parcels coloured by status (未开工,
已开工, 已竣工) over the parcel tiles, each with its timeline of scenes, verdict and
finding. Read only (nothing is measured into the database); no buyer names."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from cadastre.maps import parcels_layer
from gis.db import get_session
from gis.web.templating import render_template
from gis.web.vectorlayers import map_config
from trading import clock
from trading.monitoring import rules, service
from trading.monitoring.schemas import ParcelMonitorOut, parcel_out

router = APIRouter(tags=["maps"])
TEMPLATES = Path(__file__).parent.parent / "templates"
STATUS_COLOURS = {"not_started": "#d7191c", "started": "#fdae61", "completed": "#1a9641"}
DEFAULT_CENTRE = (113.7518, 23.0205)  # lon/lat of the demo district


def _feature(parcel: ParcelMonitorOut, geometry: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {
            "unit_code": parcel.unit_code,
            "status": parcel.status.code,
            "label": f"{parcel.status.zh} {parcel.status.en}",
            "verdict": f"{parcel.verdict.zh} {parcel.verdict.en}",
            "finding": parcel.finding.case_no if parcel.finding else None,
        },
    }


def _centre(features: list[dict[str, Any]]) -> tuple[float, float]:
    """Lon/lat of the first sold parcel's first vertex (the demo district when none)."""
    if not features:
        return DEFAULT_CENTRE
    ring = features[0]["geometry"]["coordinates"][0]
    first = ring[0] if features[0]["geometry"]["type"] == "Polygon" else ring[0][0]
    return float(first[0]), float(first[1])


@router.get("/maps/monitoring", response_class=HTMLResponse)
def monitoring_page(
    as_of: date | None = Query(None, description="report date (default: today)"),
    session: Session = Depends(get_session),
) -> HTMLResponse:
    """Sold parcels coloured by status, with each parcel's timeline of scenes."""
    when = as_of or clock.local_date(clock.now())
    states = service.report(session, when)
    parcels = [parcel_out(s, when) for s in states]
    features = [_feature(p, s.geometry) for p, s in zip(parcels, states, strict=True)]
    layer = parcels_layer()
    layer["style"] = {**layer["style"], "fillOpacity": 0.25}
    html = render_template(
        "monitoring.html",
        TEMPLATES,
        title="批后监管 land after the sale",
        nav=None,
        as_of=when,
        parcels=parcels,
        statuses=rules.STATUSES,
        colours=STATUS_COLOURS,
        config=map_config(_centre(features), 16, [layer]),
        sold={"type": "FeatureCollection", "features": features, "colours": STATUS_COLOURS},
    )
    return HTMLResponse(html)
