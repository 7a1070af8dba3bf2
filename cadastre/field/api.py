"""Field packages under /api/v1/field: check out (a job), download, check in (sync),
the sync report (JSON and page) and conflicts (list, resolve)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from cadastre.exchange import jobs
from cadastre.field import schemas, service
from gis.auth.deps import current_principal, require_role
from gis.auth.roles import Role
from gis.auth.service import Principal
from gis.db import get_session, transaction
from gis.errors import NotFound
from gis.jobs import store

router = APIRouter(prefix="/api/v1/field", tags=["field packages 外业包"])
FIELD = require_role(Role.SURVEYOR, Role.INSPECTOR)
KIND = "cadastre.field_checkout"


def get_runner() -> jobs.ThreadRunner:
    """FastAPI dependency: the checkout job runner (tests override it with an InlineRunner)."""
    return jobs.ThreadRunner()


@router.post("/packages", status_code=202, response_model=schemas.CheckoutJob)
def checkout(
    body: schemas.CheckoutBody,
    who: Principal = Depends(FIELD),
    session: Session = Depends(get_session),
    runner: jobs.ThreadRunner = Depends(get_runner),
) -> dict[str, Any]:
    """Check out an area (polygon, unit codes or change patches): a job whose result is
    the GeoPackage, its QGIS project and a basemap, zipped."""
    req = service.CheckoutRequest(body.polygon, body.unit_codes, body.patch_ids)
    with transaction(session):
        service.area_of(session, req, who.role)  # refuse bad input now, not in the job
    job = store.create(KIND, who.username)
    runner.submit(job, service.checkout_work(req, who))
    return jobs.public(job)


@router.get("/jobs/{job_id}", response_model=schemas.CheckoutJob)
def checkout_status(job_id: str, who: Principal = Depends(current_principal)) -> dict[str, Any]:
    """Status and progress of a checkout job (its owner's or an admin's token)."""
    return jobs.public(store.get(job_id, (KIND,), who))


@router.get("/jobs/{job_id}/file", response_class=FileResponse)
def checkout_file(job_id: str, who: Principal = Depends(current_principal)) -> FileResponse:
    """The package as a zip: the folder with the .gpkg, the .qgs and DCIM/ for photos."""
    job = store.get(job_id, (KIND,), who)
    if job.status != "done" or job.file is None:
        raise NotFound(
            f"签出任务 {job_id} 状态为 {job.status}；checkout {job_id} is {job.status}",
            field="job_id",
        )
    return FileResponse(job.file, media_type="application/zip", filename=job.file.name)
