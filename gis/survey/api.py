"""Survey upload and report endpoints under /api/v1/surveys, and the map page /maps/surveys/{id}."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from gis.auth.deps import require_role
from gis.auth.roles import Role
from gis.auth.service import Principal
from gis.db import get_session
from gis.exchange.archive import save_stream
from gis.exchange.read import parse_crs
from gis.settings import get_settings
from gis.survey import repository as repo
from gis.survey import service
from gis.survey.maps import survey_page

router = APIRouter(tags=["surveys 测量成果"])


@router.post("/api/v1/surveys", status_code=201)
def upload_survey(
    file: UploadFile = File(..., description="GPX, NMEA, CSV, GeoJSON, KML, zipped SHP, GPKG, DXF"),
    surveyor: str = Form(..., max_length=100),
    instrument: str = Form("", max_length=100),
    survey_date: date | None = Form(None),
    crs: str | None = Form(None, description="EPSG code when the file declares none"),
    unit_code: str | None = Form(None, max_length=28),
    boundary_waypoints: bool = Form(False),
    principal: Principal = Depends(require_role(Role.SURVEYOR)),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    """Upload a survey file (multipart); returns the survey record and its summary."""
    meta = service.SurveyMeta(
        surveyor, instrument, survey_date, parse_crs(crs), unit_code, boundary_waypoints
    )
    name = file.filename or "upload"
    with tempfile.TemporaryDirectory(prefix="landgis-upload-") as tmp:
        local = Path(tmp) / ("upload" + Path(name).suffix.lower())
        save_stream(file.file, local, get_settings().upload_max_bytes)
        survey = service.import_survey(session, local, name, meta, principal.username)
    return service.describe(survey)


@router.get("/api/v1/surveys")
def list_surveys(
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    """Surveys, newest first: record and summary counts (no points)."""
    total, surveys = repo.list_surveys(session, limit, offset)
    items = []
    for s in surveys:
        d = service.describe(s)
        d["summary"] = {k: s.summary.get(k) for k in ("points", "tracks", "rejected_count")}
        items.append(d)
    return {"total": total, "limit": limit, "offset": offset, "items": items}


@router.get("/api/v1/surveys/{survey_id}")
def get_survey(survey_id: int, session: Session = Depends(get_session)) -> dict[str, Any]:
    """The survey record with its summary."""
    return service.describe(service.survey_or_404(session, survey_id))


@router.get("/api/v1/surveys/{survey_id}/report")
def survey_report(survey_id: int, session: Session = Depends(get_session)) -> dict[str, Any]:
    """Boundary points with accuracy classes, ring checks and the comparison with the register."""
    return service.survey_report(session, survey_id)


@router.get("/maps/surveys/{survey_id}", response_class=HTMLResponse)
def survey_map(survey_id: int, session: Session = Depends(get_session)) -> HTMLResponse:
    """The survey report as an offline map page."""
    return HTMLResponse(survey_page(session, survey_id))
