"""Change detection endpoints (卫片执法): runs comparing two rasters, their patches (the
enforcement list, also as CSV or GeoPackage) and the inspectors' field checks.

Runs need an inspector or surveyor, field checks an inspector; reads are public, with the
staff accounts shown to staff only (:func:`changes.names_for`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import JSONResponse, Response

from gis.collections import Catalog, get_catalog
from gis.contracts import GeoJSONResponse, answers
from gis.db import transaction
from gis.raster import changes, export, jobs, repository, uploads
from gis.raster.deps import ChangeRunner, EngineDep, Inspector, Reader, SessionDep
from gis.raster.schemas import (
    ChangeCreate,
    ChangeRunPublic,
    ChangeRunWithPatches,
    PatchCollection,
    PatchFeature,
)
from gis.store import discard
from gis.store_http import stored_answer, stored_file

api = APIRouter(prefix="/api/v1", tags=["rasters"])


@api.post("/changes", status_code=201, response_model=ChangeRunWithPatches)
def create_changes(
    body: ChangeCreate,
    session: SessionDep,
    who: ChangeRunner,
    engine: EngineDep,
    catalog: Catalog = Depends(get_catalog),
) -> dict[str, Any]:
    """Compare two catalogued rasters; store and return the run with its patches."""
    job = jobs.start(engine, "changes", who.username, body.job_id)
    req = changes.ChangeRequest(
        body.before_id, body.after_id, body.threshold, body.min_area_m2, who.username
    )
    try:
        run = changes.run_changes(session, req, job.progress, approvals=catalog.approvals)
    except BaseException as exc:
        job.fail(exc)
        raise
    job.succeed({"run_id": run.id})
    out = changes.run_public(run)
    out["job"] = job.id
    out["patches"] = changes.list_patches(session, run_id=run.id)
    return out


@api.get("/changes", response_model=list[ChangeRunPublic])
def list_runs(
    session: SessionDep,
    reader: Reader,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[dict[str, Any]]:
    runs = repository.list_runs(session, limit, offset)
    return [changes.names_for(reader, changes.run_public(r)) for r in runs]


@api.get(
    "/changes/{run_id}", response_model=ChangeRunWithPatches, response_model_exclude_unset=True
)
def get_run(run_id: int, session: SessionDep, reader: Reader) -> dict[str, Any]:
    out = changes.run_public(changes.get_run(session, run_id))
    out["patches"] = changes.list_patches(session, run_id=run_id)
    return changes.names_for(reader, out)


@api.get(
    "/change-patches",
    response_class=GeoJSONResponse,
    responses=answers(PatchCollection, "text/csv", "application/geopackage+sqlite3"),
)
def list_patches(
    session: SessionDep,
    reader: Reader,
    run_id: int | None = None,
    verdict: str | None = None,
    status: str | None = None,
    f: Annotated[str, Query(pattern="^(json|csv|gpkg)$")] = "json",
    limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """The enforcement list; ``f=csv`` or ``f=gpkg`` exports it."""
    body = changes.list_patches(session, run_id, verdict, status, limit, offset)
    body = changes.names_for(reader, body)
    if f == "csv":
        return Response(
            export.to_csv(body).encode("utf-8-sig"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="change_patches.csv"'},
        )
    if f == "gpkg":
        return Response(
            export.to_geopackage(body),
            media_type="application/geopackage+sqlite3",
            headers={"Content-Disposition": 'attachment; filename="change_patches.gpkg"'},
        )
    return JSONResponse(body, media_type="application/geo+json")


@api.get(
    "/change-patches/{patch_id}", response_class=GeoJSONResponse, responses=answers(PatchFeature)
)
def get_patch(patch_id: int, session: SessionDep, reader: Reader) -> JSONResponse:
    body = changes.names_for(reader, changes.get_patch(session, patch_id))
    return JSONResponse(body, media_type="application/geo+json")


@api.patch(
    "/change-patches/{patch_id}", response_class=GeoJSONResponse, responses=answers(PatchFeature)
)
def field_check(
    patch_id: int,
    session: SessionDep,
    who: Inspector,
    status: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
    photo: Annotated[UploadFile | None, File()] = None,
) -> JSONResponse:
    """Record a field check (pending / confirmed / dismissed, note, optional photo)."""
    changes.get_patch(session, patch_id)
    photo_path = ""
    if photo is not None:
        photo_path = uploads.save_photo(photo.file, photo.filename or "")
    try:
        with transaction(session):
            body = changes.field_check(session, patch_id, status, note, photo_path, who.username)
    except BaseException:
        if photo_path:
            discard(photo_path)
        raise
    return JSONResponse(body, media_type="application/geo+json")


@api.get(
    "/change-patches/{patch_id}/photo",
    response_class=Response,
    responses=stored_answer("image/jpeg", "image/png"),
)
def patch_photo(patch_id: int, session: SessionDep) -> Response:
    """The field photo of a patch: the file, or on S3 a redirect to a presigned URL."""
    feature = changes.get_patch(session, patch_id)
    key = feature["properties"]["photo"]
    if not key:
        raise changes.PatchNotFound(f"patch {patch_id} has no photo", field="patch_id")
    return stored_file(key, Path(key).name, field="patch_id")
