"""Field packages under /api/v1/field: check out (a job), download, check in (sync),
the sync report (JSON and page) and conflicts (list, resolve)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from cadastre.exchange import jobs
from cadastre.field import report_page, resolve, schemas, service, sync
from cadastre.field import repository as repo
from cadastre.field.models import FieldObservation, FieldSync
from gis.auth.deps import current_principal, require_role
from gis.auth.roles import Role
from gis.auth.service import Principal
from gis.db import app_database, app_engine, get_session, transaction
from gis.errors import NotFound
from gis.jobs import store
from gis.settings import get_settings
from gis.store_http import stored_answer, stored_file
from gis.uploads import receive

router = APIRouter(prefix="/api/v1/field", tags=["field packages 外业包"])
FIELD = require_role(Role.SURVEYOR, Role.INSPECTOR)
RESOLVER = require_role(Role.REGISTRAR, Role.INSPECTOR)
STAFF = (Role.REGISTRAR, Role.INSPECTOR, Role.ADMIN)  # see every package's syncs and conflicts
KIND = "cadastre.field_checkout"


def _package_id() -> Any:  # a fresh Path() per route: FastAPI keeps state on the object
    return PathParam(..., pattern=r"^[0-9a-f]{32}$", description="the package id")


def _row_id() -> Any:
    return PathParam(..., ge=1, le=2**63 - 1)


def _job_id() -> Any:
    return PathParam(..., min_length=1, max_length=64, pattern=r"^[0-9A-Za-z_-]+$")


def get_runner(request: Request) -> jobs.ThreadRunner:
    """FastAPI dependency: the checkout job runner on the app's database (tests override it
    with an InlineRunner)."""
    return jobs.ThreadRunner(app_database(request))


@router.post("/packages", status_code=202, response_model=schemas.CheckoutJob)
def checkout(
    body: schemas.CheckoutBody,
    who: Principal = Depends(FIELD),
    session: Session = Depends(get_session),
    runner: jobs.ThreadRunner = Depends(get_runner),
    engine: Engine = Depends(app_engine),
) -> dict[str, Any]:
    """Check out an area (polygon, unit codes or change patches): a job whose result is
    the GeoPackage, its QGIS project and a basemap, zipped."""
    req = service.CheckoutRequest(body.polygon, body.unit_codes, body.patch_ids)
    with transaction(session):
        service.area_of(session, req, who.role)  # refuse bad input now, not in the job
    job = store.create(engine, KIND, who.username)
    runner.submit(job, service.checkout_work(req, who))
    return jobs.public(job)


@router.get("/jobs/{job_id}", response_model=schemas.CheckoutJob)
def checkout_status(
    job_id: str = _job_id(),
    who: Principal = Depends(current_principal),
    engine: Engine = Depends(app_engine),
) -> dict[str, Any]:
    """Status and progress of a checkout job (its owner's or an admin's token)."""
    return jobs.public(store.get(engine, job_id, (KIND,), who))


@router.get(
    "/jobs/{job_id}/file", response_class=Response, responses=stored_answer("application/zip")
)
def checkout_file(
    job_id: str = _job_id(),
    who: Principal = Depends(current_principal),
    engine: Engine = Depends(app_engine),
) -> Response:
    """The package as a zip: the folder with the .gpkg, the .qgs and DCIM/ for photos."""
    job = store.get(engine, job_id, (KIND,), who)
    if job.status != "done" or job.file is None:
        raise NotFound(
            f"签出任务 {job_id} 状态为 {job.status}；checkout {job_id} is {job.status}",
            field="job_id",
        )
    return stored_file(job.file, Path(job.file).name, "application/zip", "job_id")


@router.post("/packages/{package_id}/sync", response_model=schemas.SyncReport)
async def check_in(
    package_id: str = _package_id(),
    file: UploadFile = File(..., description="the edited .gpkg, or the package folder zipped"),
    who: Principal = Depends(FIELD),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    """Check in an edited package: changes applied in one transaction, conflicts kept with
    both versions, refusals with reasons; the same upload twice changes nothing."""
    limit = get_settings().upload_max_bytes
    async with receive(
        [file], max_files=1, file_bytes=limit, request_bytes=limit, field="file"
    ) as got:
        return await run_in_threadpool(_check_in, session, package_id, who, got[0].path)


def _check_in(session: Session, package_id: str, who: Principal, path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    workdir = path.parent / "unpacked"
    workdir.mkdir()
    with transaction(session):
        return sync.sync(session, package_id, who, path, digest.hexdigest(), workdir)


def _report(session: Session, sync_id: int, who: Principal) -> FieldSync:
    """A sync record: its package's owner sees it, and the staff who resolve conflicts."""
    row = session.scalar(select(FieldSync).where(FieldSync.id == sync_id))
    if row is not None:
        if who.role not in STAFF:
            service.package_for(session, row.package_id, who)  # NotFound unless the owner
        return row
    raise NotFound(f"没有同步记录 {sync_id}；no sync {sync_id}", field="sync_id")


@router.get("/syncs", response_model=list[schemas.SyncSummary])
def sync_list(
    limit: int = Query(50, ge=1, le=500),
    who: Principal = Depends(current_principal),
    session: Session = Depends(get_session),
) -> list[dict[str, Any]]:
    """The latest check-ins, newest first: staff see every package's, others their own."""
    return repo.syncs(session, None if who.role in STAFF else who.username, limit)


@router.get("/syncs/{sync_id}", response_model=schemas.SyncReport)
def sync_report(
    sync_id: int = _row_id(),
    who: Principal = Depends(current_principal),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    """A sync's report (applied, conflicts, refused with reasons in Chinese and English)."""
    return _report(session, sync_id, who).report


@router.get("/syncs/{sync_id}/page", response_class=HTMLResponse)
def sync_report_page(
    sync_id: int = _row_id(),
    who: Principal = Depends(current_principal),
    session: Session = Depends(get_session),
) -> HTMLResponse:
    """The sync report as a page; each conflict drawn with both versions."""
    row = _report(session, sync_id, who)
    ids = {o["conflict_id"] for o in row.report.get("conflicts", [])}
    conflicts = [c for c in resolve.of_package(session, row.package_id) if c.id in ids]
    return HTMLResponse(report_page.render(row.report, conflicts))


@router.get("/packages/{package_id}/conflicts", response_model=list[schemas.ConflictPublic])
def conflicts(
    package_id: str = _package_id(),
    who: Principal = Depends(current_principal),
    session: Session = Depends(get_session),
) -> list[dict[str, Any]]:
    """The conflicts kept for a package (its owner, a registrar, an inspector or admin)."""
    if who.role not in STAFF:
        service.package_for(session, package_id, who)
    return [resolve.public(c) for c in resolve.of_package(session, package_id)]


@router.get("/packages/{package_id}/observations", response_model=list[schemas.ObservationPublic])
def observations(
    package_id: str = _package_id(),
    who: Principal = Depends(current_principal),
    session: Session = Depends(get_session),
) -> list[dict[str, Any]]:
    """The points observed with a package (its owner, a registrar, an inspector or admin)."""
    if who.role not in STAFF:
        service.package_for(session, package_id, who)
    return [
        {**o, "photo_url": f"/api/v1/field/observations/{o['id']}/photo" if o["photo"] else None}
        for o in repo.observations(session, package_id)
    ]


@router.get(
    "/observations/{observation_id}/photo",
    response_class=Response,
    responses=stored_answer("image/jpeg", "image/png"),
)
def observation_photo(
    observation_id: int = _row_id(),
    who: Principal = Depends(current_principal),
    session: Session = Depends(get_session),
) -> Response:
    """An observation's photo as it came from the field: the file, or on S3 a redirect."""
    row = session.get(FieldObservation, observation_id)
    if row is not None and who.role not in STAFF:
        service.package_for(session, row.package_id, who)  # NotFound unless the owner
    if row is None or not row.photo:
        raise NotFound(
            f"观测 {observation_id} 没有照片；observation {observation_id} has no photo",
            field="observation_id",
        )
    return stored_file(row.photo, Path(row.photo).name, field="observation_id")


@router.post("/conflicts/{conflict_id}/resolve", response_model=schemas.ConflictPublic)
def resolve_conflict(
    body: schemas.ResolveBody,
    conflict_id: int = _row_id(),
    who: Principal = Depends(RESOLVER),
    session: Session = Depends(get_session),
) -> dict[str, Any]:
    """Take mine (apply the field's version now), take theirs (keep the server's) or merge
    (apply the version given in ``merged``, through the normal edit paths)."""
    with transaction(session):
        return resolve.resolve(session, conflict_id, body.take, who, body.merged)
