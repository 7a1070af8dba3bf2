"""Parcel endpoints under /api/v1: public reads with ETags, registrars' edits with If-Match."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from cadastre.parcels import quality, schemas, service
from cadastre.parcels import repository as repo
from cadastre.unit_code import FIXTURE, OWNERSHIP, RIGHT_TYPE
from gis.auth.deps import optional_principal, require_role
from gis.auth.roles import Role
from gis.auth.service import Principal
from gis.contracts import GeoJSONResponse, answers
from gis.db import get_session, transaction
from gis.errors import InvalidInput
from gis.limits import lonlat_bbox
from gis.settings import get_settings

router = APIRouter(prefix="/api/v1", tags=["parcels"])
registrar = require_role(Role.REGISTRAR)
SessionDep = Annotated[Session, Depends(get_session)]
IfMatch = Annotated[str | None, Header(alias="If-Match")]
GEOJSON = "application/geo+json"


def _feature_response(row: repo.ParcelRow) -> JSONResponse:
    return JSONResponse(
        schemas.parcel_feature(row), media_type=GEOJSON, headers={"ETag": row.quoted_etag}
    )


@router.get("/parcels", response_class=GeoJSONResponse, responses=answers(schemas.ParcelCollection))
def list_parcels(
    request: Request,
    session: SessionDep,
    zone: str | None = None,
    subzone: str | None = None,
    land_use: str | None = None,
    status: str | None = None,
    q: Annotated[str | None, Query(description="unit-code prefix")] = None,
    bbox: str | None = None,
    at: datetime | None = None,
    limit: Annotated[int, Query(ge=1)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """Current parcels (or those in force ``at`` an instant), filtered and paged; GeoJSON."""
    limit = min(limit, get_settings().page_max_limit)
    filters = {
        "at": at,
        "zone": zone,
        "subzone": subzone,
        "land_use": land_use,
        "status": status,
        "prefix": q,
        "bbox": lonlat_bbox(bbox),
    }
    text_fc, total = repo.search(session, filters, limit, offset)
    fc = schemas.enrich_collection(json.loads(text_fc))
    more = len(fc["features"]) > limit
    del fc["features"][limit:]
    fc["numberReturned"] = len(fc["features"])
    if not more:
        total = offset + fc["numberReturned"]
    if total is not None:
        fc["numberMatched"] = total
    links = []
    if more:
        links.append(
            {"rel": "next", "href": str(request.url.include_query_params(offset=offset + limit))}
        )
    if offset > 0:
        prev = max(offset - limit, 0)
        links.append({"rel": "prev", "href": str(request.url.include_query_params(offset=prev))})
    fc["links"] = links
    return JSONResponse(fc, media_type=GEOJSON)


@router.get(
    "/parcels/{unit_code}",
    response_class=GeoJSONResponse,
    responses=answers(schemas.ParcelFeature),
)
def read_parcel(
    unit_code: str,
    session: SessionDep,
    at: datetime | None = None,
    if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None,
) -> Response:
    """A parcel's public attributes and geometry, with its ETag (as of ``at`` if given)."""
    row = service.get(session, unit_code, at)
    if if_none_match and row.etag in service.parse_if_match(if_none_match):
        return Response(status_code=304, headers={"ETag": row.quoted_etag})
    return _feature_response(row)


@router.get(
    "/parcels/{unit_code}/history",
    response_model=schemas.ParcelHistory,
    response_model_exclude_unset=True,
)
def parcel_history(
    unit_code: str,
    session: SessionDep,
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> dict[str, Any]:
    """Every version of the parcel and the edits (split, merge, ...) before and after it."""
    rows, edits = service.history(session, unit_code)
    view = schemas.history_view(rows, edits)
    if principal is None or principal.role not in (Role.REGISTRAR, Role.ADMIN):
        for e in view["edits"]:
            e.pop("actor")  # staff names are for registrars only
    return view


@router.post("/parcels", status_code=201, response_model=schemas.ParcelEdit)
def create_parcel(
    body: schemas.CreateRequest, session: SessionDep, who: Annotated[Principal, Depends(registrar)]
) -> dict[str, Any]:
    """Add a new parcel with a newly allocated unit code (topology checked)."""
    result = service.create(session, actor=who.username, **body.model_dump())
    return schemas.edit_result(result)


@router.patch(
    "/parcels/{unit_code}",
    response_class=GeoJSONResponse,
    responses=answers(schemas.ParcelFeature),
)
def change_parcel(
    unit_code: str,
    body: schemas.ChangeRequest,
    session: SessionDep,
    who: Annotated[Principal, Depends(registrar)],
    if_match: IfMatch = None,
) -> Response:
    """A new version with the same unit code: land use and/or corrected geometry."""
    result = service.change(
        session,
        unit_code,
        if_match=service.parse_if_match(if_match),
        actor=who.username,
        land_use=body.land_use,
        geometry=body.geometry,
    )
    return _feature_response(result.opened[0])


@router.delete("/parcels/{unit_code}", response_model=schemas.ParcelEdit)
def retire_parcel(
    unit_code: str,
    session: SessionDep,
    who: Annotated[Principal, Depends(registrar)],
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Retire a parcel (注销); its unit code is never used again."""
    tags = service.parse_if_match(if_match)
    return schemas.edit_result(
        service.retire(session, unit_code, if_match=tags, actor=who.username)
    )


@router.post("/parcels/{unit_code}/split", response_model=schemas.ParcelEdit)
def split_parcel(
    unit_code: str,
    body: schemas.SplitRequest,
    session: SessionDep,
    who: Annotated[Principal, Depends(registrar)],
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Split by a cutting line or into parts covering the parcel; the parts get new codes."""
    result = service.split(
        session,
        unit_code,
        if_match=service.parse_if_match(if_match),
        actor=who.username,
        line=body.line,
        parts=body.parts,
        land_uses=body.land_uses,
    )
    return schemas.edit_result(result)


@router.post("/parcels/merge", response_model=schemas.ParcelEdit)
def merge_parcels(
    body: schemas.MergeRequest,
    session: SessionDep,
    who: Annotated[Principal, Depends(registrar)],
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Merge touching parcels; If-Match lists the ETag of every one of them."""
    result = service.merge(
        session,
        body.unit_codes,
        if_match=service.parse_if_match(if_match),
        actor=who.username,
        land_use=body.land_use,
    )
    return schemas.edit_result(result)


@router.post("/parcels/{unit_code}/adjust", response_model=schemas.ParcelEdit)
def adjust_boundary(
    unit_code: str,
    body: schemas.AdjustRequest,
    session: SessionDep,
    who: Annotated[Principal, Depends(registrar)],
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Move the boundary shared with ``neighbour``; If-Match lists both parcels' ETags."""
    result = service.adjust(
        session,
        unit_code,
        body.neighbour,
        body.geometry,
        if_match=service.parse_if_match(if_match),
        actor=who.username,
    )
    return schemas.edit_result(result)


@router.get("/unit-codes/{code}", response_model=schemas.UnitCodeParts)
def explain_unit_code(code: str, session: SessionDep) -> dict[str, Any]:
    """Validate a unit code against the register and name its parts (zh/en)."""
    from cadastre.parcels.codes import check_unit_code

    u = check_unit_code(session, code)
    return {
        "unit_code": str(u),
        "parcel_code": u.parcel_code,
        "county": u.county,
        "zone": u.county + u.zone,
        "subzone": u.subzone_code,
        "ownership": schemas.coded(u.ownership, OWNERSHIP[u.ownership]),
        "right_type": schemas.coded(u.right_type, RIGHT_TYPE[u.right_type]),
        "sequence": u.seq,
        "fixture": schemas.coded(u.fixture, FIXTURE[u.fixture]),
        "fixture_no": u.fixture_no,
    }


@router.get("/cadastre/quality", response_model=schemas.QualityReport)
def quality_report(
    session: SessionDep, zone: str | None = None, incremental: bool = True
) -> dict[str, Any]:
    """Overlaps, gaps inside street blocks, invalid geometries and slivers, with locations.
    By default read from the kept per-subzone state (:mod:`cadastre.parcels.quality_state`):
    what edits touched since is checked here when it is a few subzones, else by the
    background pass, and ``pending_subzones`` says how many are still due.
    ``incremental=false`` checks a zone in full now (the whole register's full check is
    ``landgis cadastre check``: at a province's size it takes hours)."""
    if incremental:
        from cadastre.parcels import quality_state

        with transaction(session):
            return quality_state.report(session, zone, quick=quality_state.QUICK_SUBZONES).as_dict()
    if zone is None:
        raise InvalidInput(
            "整库全面检查请用 landgis cadastre check，或读取保持的检查结果（incremental=true）；"
            "a full check names a zone: the whole register's is `landgis cadastre check`, "
            "its kept state is read with incremental=true",
            field="zone",
        )
    return quality.run(session, zone).as_dict()
