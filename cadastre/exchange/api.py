"""Bulk parcel import and export jobs under /api/v1/cadastre, and survey -> case."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from cadastre.exchange import jobs, service
from cadastre.exchange.importer import ImportOptions
from cadastre.exchange.schemas import CaseFromSurveyOpened, ExchangeJob
from gis.auth.deps import current_principal, require_role
from gis.auth.roles import Role
from gis.auth.service import Principal
from gis.collections import Catalog, get_catalog
from gis.db import app_engine, get_session, transaction
from gis.errors import NotFound
from gis.exchange.archive import save_stream
from gis.exchange.formats import FORMATS, writable_format
from gis.exchange.read import parse_crs
from gis.settings import get_settings
from gis.store_http import stored_answer, stored_file

router = APIRouter(tags=["cadastre exchange 地籍数据交换"])
REGISTRAR = require_role(Role.REGISTRAR)
VIEWER = Depends(current_principal)  # a job is seen by its owner and admins only
ENGINE = Depends(app_engine)  # the job store's: the app's database


@router.post("/api/v1/cadastre/imports", status_code=202, response_model=ExchangeJob)
def start_import(
    file: UploadFile = File(..., description="GPKG, zipped SHP, GeoJSON, FGB or CSV with WKT"),
    crs: str | None = Form(None),
    mapping: str | None = Form(None, description='JSON, e.g. {"unit_code": "BDCDYH"}'),
    valid_only: bool = Form(False),
    principal: Principal = Depends(REGISTRAR),
    runner: jobs.ThreadRunner = Depends(jobs.get_runner),
    engine: Engine = ENGINE,
) -> dict[str, Any]:
    """Start a validated bulk import; poll the returned job for progress and the result."""
    options = ImportOptions(parse_crs(crs), service.parse_mapping(mapping), valid_only)
    workdir = Path(tempfile.mkdtemp(prefix="landgis-import-"))
    local = workdir / ("upload" + Path(file.filename or "x").suffix.lower())
    try:
        save_stream(file.file, local, get_settings().upload_max_bytes)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    job = jobs.new_job(engine, "import", principal.username, workdir)
    runner.submit(job, service.import_work(local, options))
    return jobs.public(job)


@router.get("/api/v1/cadastre/imports/{job_id}", response_model=ExchangeJob)
def import_status(
    job_id: str, viewer: Principal = VIEWER, engine: Engine = ENGINE
) -> dict[str, Any]:
    """Status and progress of an import job (its owner's or an admin's token)."""
    return jobs.public(jobs.get_job(engine, job_id, "import", viewer))


@router.get(
    "/api/v1/cadastre/imports/{job_id}/rejected",
    response_class=Response,
    responses=stored_answer("text/csv"),
)
def import_rejected(job_id: str, viewer: Principal = VIEWER, engine: Engine = ENGINE) -> Response:
    """The rejected-rows CSV (row, unit_code, reason)."""
    job = jobs.get_job(engine, job_id, "import", viewer)
    if job.file is None:
        raise NotFound("this import rejected no rows", field="job_id")
    return stored_file(job.file, "rejected_rows.csv", "text/csv", "job_id")


class ExportRequest(BaseModel):
    format: str = Field("gpkg", description="gpkg, shp, geojson, fgb, csv or dxf")
    crs: str = "EPSG:4490"
    zone: str | None = Field(None, description="zone or subzone code prefix", pattern=r"^\d{6,12}$")
    layer: str | None = Field(None, description="a feature collection id instead of the parcels")


@router.post("/api/v1/cadastre/exports", status_code=202, response_model=ExchangeJob)
def start_export(
    body: ExportRequest,
    principal: Principal = Depends(require_role(Role.REGISTRAR, Role.PLANNER, Role.INSPECTOR)),
    runner: jobs.ThreadRunner = Depends(jobs.get_runner),
    catalog: Catalog = Depends(get_catalog),
    engine: Engine = ENGINE,
) -> dict[str, Any]:
    """Start an export of the current register; download the file when the job is done."""
    writable_format(body.format)
    srid = parse_crs(body.crs) or 4490
    layer = None if body.layer is None else catalog.get(body.layer)
    if layer is not None:
        service.check_layer_access(layer, principal)
    job = jobs.new_job(engine, "export", principal.username)
    runner.submit(job, service.export_work(body.format, srid, body.zone, layer))
    return jobs.public(job)


@router.get("/api/v1/cadastre/exports/{job_id}", response_model=ExchangeJob)
def export_status(
    job_id: str, viewer: Principal = VIEWER, engine: Engine = ENGINE
) -> dict[str, Any]:
    """Status and progress of an export job (its owner's or an admin's token)."""
    return jobs.public(jobs.get_job(engine, job_id, "export", viewer))


@router.get(
    "/api/v1/cadastre/exports/{job_id}/file",
    response_class=Response,
    responses=stored_answer(*sorted({f.media_type for f in FORMATS.values()})),
)
def export_file(job_id: str, viewer: Principal = VIEWER, engine: Engine = ENGINE) -> Response:
    job = jobs.get_job(engine, job_id, "export", viewer)
    if job.status != "done" or job.file is None:
        raise NotFound(f"export {job_id} is {job.status}, no file yet", field="job_id")
    fmt = FORMATS[job.result["format"]] if job.result else FORMATS["gpkg"]
    return stored_file(job.file, Path(job.file).name, fmt.media_type, "job_id")


class CaseFromSurvey(BaseModel):
    kind: str = Field(..., description="new_parcel or boundary_correction")
    land_use: str | None = Field(None, description="GB/T 21010 class, for a new parcel")
    holders: list[dict[str, Any]] | None = Field(
        None, description='applicants: [{"kind": "legal", "name", "id_number", "share": "1"}]'
    )
    note: str = ""


@router.post(
    "/api/v1/surveys/{survey_id}/case", status_code=201, response_model=CaseFromSurveyOpened
)
def case_from_survey(
    survey_id: int,
    body: CaseFromSurvey,
    principal: Principal = Depends(REGISTRAR),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    """Open a registration case from a survey (new parcel or boundary correction)."""
    with transaction(session):
        return service.open_case_from_survey(
            session,
            survey_id,
            body.kind,
            body.land_use,
            principal.username,
            body.note,
            body.holders,
        )
