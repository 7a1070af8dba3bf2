"""Survey upload and reads under /api/v1/surveys (staff only), and the map page
/maps/surveys/{id}, a shell that signs in and fetches the survey with the reader's token.

Reads need a token of a surveyor, registrar, inspector, planner or admin: surveys carry
surveyors' names. The register is reached through the ParcelLookup port
(``gis.survey.ports``) the composition root puts on ``app.state``.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from gis.auth.deps import require_role
from gis.auth.roles import Role
from gis.auth.service import Principal
from gis.db import get_session, transaction
from gis.exchange.archive import save_stream
from gis.exchange.read import parse_crs
from gis.settings import get_settings
from gis.survey import repository as repo
from gis.survey import service
from gis.survey.features import survey_features
from gis.survey.pages import survey_page
from gis.survey.ports import ParcelLookup, parcel_lookup
from gis.survey.report import READERS, describe, survey_or_404, survey_report
from gis.survey.schemas import SurveyFeatures, SurveyPage, SurveyRecord, SurveyReport

router = APIRouter(tags=["surveys 测量成果"])
SurveyId = PathParam(..., ge=1, le=2**63 - 1)


@router.post("/api/v1/surveys", status_code=201, response_model=SurveyRecord)
def upload_survey(
    file: UploadFile = File(..., description="GPX, NMEA, CSV, GeoJSON, KML, zipped SHP, GPKG, DXF"),
    surveyor: str = Form(..., max_length=100),
    instrument: str = Form("", max_length=100),
    survey_date: date | None = Form(None),
    crs: str | None = Form(None, description="EPSG code when the file declares none"),
    unit_code: str | None = Form(None, max_length=28),
    boundary_waypoints: bool = Form(False),
    force: bool = Form(False, description="import a survey lying outside the district anyway"),
    uere_m: float | None = Form(
        None, gt=0, le=100, description="the receiver's stated UERE (1σ, m) for DOP × UERE"
    ),
    principal: Principal = Depends(require_role(Role.SURVEYOR)),
    lookup: ParcelLookup = Depends(parcel_lookup),
    session: Session = Depends(get_session),
) -> SurveyRecord:
    """Upload a survey file (multipart); returns the survey record and its summary."""
    meta = service.SurveyMeta(
        surveyor,
        instrument,
        survey_date,
        parse_crs(crs),
        unit_code,
        boundary_waypoints,
        force,
        uere_m,
    )
    name = file.filename or "upload"
    with tempfile.TemporaryDirectory(prefix="landgis-upload-") as tmp:
        local = Path(tmp) / ("upload" + Path(name).suffix.lower())
        save_stream(file.file, local, get_settings().upload_max_bytes)
        with transaction(session):
            survey = service.import_survey(session, local, name, meta, principal.username, lookup)
    return SurveyRecord.model_validate(describe(survey, principal))


@router.get("/api/v1/surveys", response_model=SurveyPage)
def list_surveys(
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=2**63 - 1),
    principal: Principal = Depends(require_role(*READERS)),
    session: Session = Depends(get_session),
) -> SurveyPage:
    """Surveys, newest first: record and summary counts (no points)."""
    total, surveys = repo.list_surveys(session, limit, offset)
    items = []
    for s in surveys:
        d = describe(s, principal)
        d["summary"] = {k: s.summary.get(k) for k in ("points", "tracks", "rejected_count")}
        items.append(SurveyRecord.model_validate(d))
    return SurveyPage(total=total, limit=limit, offset=offset, items=items)


@router.get("/api/v1/surveys/{survey_id}", response_model=SurveyRecord)
def get_survey(
    survey_id: int = SurveyId,
    principal: Principal = Depends(require_role(*READERS)),
    session: Session = Depends(get_session),
) -> SurveyRecord:
    """The survey record with its summary."""
    return SurveyRecord.model_validate(describe(survey_or_404(session, survey_id), principal))


@router.get("/api/v1/surveys/{survey_id}/report", response_model=SurveyReport)
def report(
    survey_id: int = SurveyId,
    principal: Principal = Depends(require_role(*READERS)),
    lookup: ParcelLookup = Depends(parcel_lookup),
    session: Session = Depends(get_session),
) -> SurveyReport:
    """Boundary points with accuracy classes, boundary problems, findings and the
    comparison with the register."""
    return SurveyReport.model_validate(survey_report(session, survey_id, lookup, principal))


@router.get("/api/v1/surveys/{survey_id}/features", response_model=SurveyFeatures)
def features(
    survey_id: int = SurveyId,
    principal: Principal = Depends(require_role(*READERS)),
    lookup: ParcelLookup = Depends(parcel_lookup),
    session: Session = Depends(get_session),
) -> SurveyFeatures:
    """The survey as GeoJSON (EPSG:4490): boundary, registered parcel, tracks, points."""
    return SurveyFeatures.model_validate(survey_features(session, survey_id, lookup, principal))


@router.get("/maps/surveys/{survey_id}", response_class=HTMLResponse, include_in_schema=False)
def survey_map(survey_id: int = SurveyId) -> HTMLResponse:
    """The survey map page: holds no survey data; it signs in and fetches the survey."""
    return HTMLResponse(survey_page(survey_id))
