"""Planning endpoints under /api/v1/planning and the planners' map at /maps/planning."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Response, UploadFile
from sqlalchemy.orm import Session

from gis.auth.deps import require_role
from gis.auth.roles import Role
from gis.auth.service import Principal
from gis.collections import Catalog, get_catalog
from gis.contracts import GeoJSONResponse, answers
from gis.db import get_session, transaction
from gis.exchange.archive import save_stream
from gis.limits import check_batch
from gis.ogc.schemas import FeatureCollection
from gis.planning import activation, repository, service
from gis.planning.maps import router as maps_router
from gis.planning.models import LAYERS
from gis.planning.schemas import (
    ActivationPublic,
    ActivationRequest,
    ApprovalFile,
    BatchRequest,
    ComplianceBatch,
    ComplianceRequest,
    ComplianceVerdict,
    EditionCreate,
    EditionCreated,
    EditionPublic,
    ImportResult,
    PlanningLayer,
)
from gis.settings import get_settings
from gis.store_http import stored_answer, stored_file

router = APIRouter()
api = APIRouter(prefix="/api/v1/planning", tags=["planning"])
planner = require_role(Role.PLANNER)


@api.get(
    "/layers",
    response_model=list[PlanningLayer],
    summary="The planning layers with Chinese and English names",
)
def layers() -> list[dict[str, str]]:
    return [{"layer": k, "name_zh": zh, "name_en": en} for k, (zh, en) in LAYERS.items()]


@api.post(
    "/compliance",
    response_model=ComplianceVerdict,
    summary="May this land be used for that? Verdict, conflicts, zones",
)
def compliance(
    req: ComplianceRequest,
    session: Session = Depends(get_session),
    catalog: Catalog = Depends(get_catalog),
) -> dict[str, Any]:
    return service.check(session, catalog, req).as_dict()


@api.post(
    "/compliance/batch",
    response_model=ComplianceBatch,
    response_model_exclude_unset=True,  # an error item carries no verdict members
    summary="Compliance of many sites at once",
)
def compliance_batch(
    req: BatchRequest,
    session: Session = Depends(get_session),
    catalog: Catalog = Depends(get_catalog),
) -> dict[str, Any]:
    check_batch(len(req.items))
    return service.check_batch(session, catalog, req.items, req.edition_id)


@api.get("/editions", response_model=list[EditionPublic], summary="Plan editions, newest first")
def editions(session: Session = Depends(get_session)) -> list[EditionPublic]:
    return [EditionPublic.model_validate(r._asdict()) for r in repository.list_editions(session)]


@api.post(
    "/editions",
    status_code=201,
    response_model=EditionCreated,
    summary="Register a new (not yet in force) edition",
)
def create_edition(
    data: EditionCreate,
    session: Session = Depends(get_session),
    who: Principal = Depends(planner),
) -> dict[str, int]:
    with transaction(session):
        edition = service.create_edition(session, data)
    return {"id": edition}


@api.post(
    "/editions/{edition_id}/activate",
    response_model=ActivationPublic,
    summary="Put a complete, approved edition in force (journaled with who and why)",
)
def activate(
    edition_id: int,
    body: ActivationRequest,
    session: Session = Depends(get_session),
    who: Principal = Depends(planner),
) -> ActivationPublic:
    """409 naming every missing part when a layer is empty or invalid or no approval is on
    file; the activation journal records the actor, the reason and the approval."""
    with transaction(session):
        entry = activation.activate(session, edition_id, who, body.reason)
        return ActivationPublic.model_validate(entry, from_attributes=True)


@api.get(
    "/activations",
    response_model=list[ActivationPublic],
    summary="The journal of edition activations, newest first (planner)",
)
def activations(
    edition_id: int | None = None,
    session: Session = Depends(get_session),
    who: Principal = Depends(planner),
) -> list[ActivationPublic]:
    rows = repository.activations(session, edition_id)
    return [ActivationPublic.model_validate(r._asdict()) for r in rows]


@api.post(
    "/editions/{edition_id}/approval",
    response_model=ApprovalFile,
    summary="Upload the approval document of an edition (PDF, OFD or a scan)",
)
def upload_approval(
    edition_id: int,
    file: UploadFile = File(...),
    session: Session = Depends(get_session),
    who: Principal = Depends(planner),
) -> ApprovalFile:
    name = Path(file.filename or "approval").name
    with tempfile.TemporaryDirectory() as tmp, transaction(session):
        dest = Path(tmp) / "upload"
        save_stream(file.file, dest, get_settings().upload_max_bytes)
        digest = service.attach_approval(session, edition_id, dest, name)
    return ApprovalFile(edition_id=edition_id, file_sha256=digest)


@api.get(
    "/editions/{edition_id}/approval",
    response_class=Response,
    responses=stored_answer("application/octet-stream"),
    summary="Download the approval document of an edition (planner)",
)
def download_approval(
    edition_id: int, session: Session = Depends(get_session), who: Principal = Depends(planner)
) -> Response:
    """The approval document as uploaded; on S3 a redirect to a presigned URL."""
    key, name = service.approval_file(session, edition_id)
    return stored_file(key, name, "application/octet-stream", "edition_id")


@api.get(
    "/editions/{edition_id}/zones",
    summary="One layer of any edition as GeoJSON",
    response_class=GeoJSONResponse,
    responses=answers(FeatureCollection),
)
def zones(edition_id: int, layer: str, session: Session = Depends(get_session)) -> Response:
    body = service.zones_geojson(session, edition_id, layer)
    return Response(body, media_type="application/geo+json")


@api.post(
    "/editions/{edition_id}/zones",
    response_model=ImportResult,
    summary="Import (replace) one layer of an edition from a vector file",
)
def import_zones(
    edition_id: int,
    layer: str = Form(...),
    file: UploadFile = File(...),
    crs: str | None = Form(None),
    code_field: str = Form("code"),
    name_field: str = Form("name"),
    session: Session = Depends(get_session),
    who: Principal = Depends(planner),
) -> ImportResult:
    from gis.exchange.read import parse_crs

    service.check_layer(layer)
    srid = parse_crs(crs)
    settings = get_settings()
    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(tmp) / Path(file.filename or "upload").name
        save_stream(file.file, dest, settings.upload_max_bytes)
        with transaction(session):
            return service.import_zones(
                session, edition_id, layer, dest, srid, code_field, name_field
            )


router.include_router(api)
router.include_router(maps_router)
