"""OGC API Features Part 4: create, replace, update, delete through the collection's editor."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Header, Request, Response
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException

from gis.auth.deps import optional_principal
from gis.auth.service import Principal
from gis.collections import Catalog, Collection, get_catalog
from gis.db import get_session
from gis.ogc import crs as crs_mod
from gis.ogc import service
from gis.ogc.errors import MethodNotAllowed

router = APIRouter(tags=["OGC API Features"])  # included by gis.ogc.api under /ogc


def _quoted(etag: str) -> str:
    return '"' + etag.strip().removeprefix("W/").strip('"') + '"'


def _editable(catalog: Catalog, collection_id: str, who: Principal | None) -> Collection:
    """The editable collection; a read-only one is HTTP 405 (with a problem+json body)."""
    try:
        return service.editable(catalog, collection_id, who)
    except MethodNotAllowed as exc:
        raise HTTPException(405, exc.detail) from None


def _crs(content_crs: str | None) -> crs_mod.OutputCrs:
    return crs_mod.parse(content_crs.strip("<>") if content_crs else None, field="Content-Crs")


@router.post(
    "/collections/{collection_id}/items",
    status_code=201,
    response_class=Response,  # no body: Location and ETag say what was made
    summary="Create a feature",
)
def create(
    collection_id: str,
    request: Request,
    feature: dict[str, Any] = Body(..., media_type="application/geo+json"),
    content_crs: str | None = Header(None),
    session: Session = Depends(get_session),
    who: Principal | None = Depends(optional_principal),
    catalog: Catalog = Depends(get_catalog),
) -> Response:
    c = _editable(catalog, collection_id, who)
    assert c.editor is not None
    fid = c.editor.create(session, service.to_storage(feature, _crs(content_crs)), who)
    etag = _quoted(c.editor.etag(session, fid))
    location = f"{str(request.base_url).rstrip('/')}/ogc/collections/{c.id}/items/{fid}"
    return Response(status_code=201, headers={"Location": location, "ETag": etag})


@router.put(
    "/collections/{collection_id}/items/{feature_id}",
    status_code=204,
    response_class=Response,
    summary="Replace a feature",
)
def replace(
    collection_id: str,
    feature_id: str,
    feature: dict[str, Any] = Body(..., media_type="application/geo+json"),
    if_match: str | None = Header(None),
    content_crs: str | None = Header(None),
    session: Session = Depends(get_session),
    who: Principal | None = Depends(optional_principal),
    catalog: Catalog = Depends(get_catalog),
) -> Response:
    c = _editable(catalog, collection_id, who)
    assert c.editor is not None
    body = service.to_storage(feature, _crs(content_crs))
    c.editor.replace(session, feature_id, body, if_match, who)
    etag = _quoted(c.editor.etag(session, feature_id))
    return Response(status_code=204, headers={"ETag": etag})


@router.patch(
    "/collections/{collection_id}/items/{feature_id}",
    status_code=204,
    response_class=Response,
    summary="Update a feature",
)
def update(
    collection_id: str,
    feature_id: str,
    patch: dict[str, Any] = Body(..., media_type="application/merge-patch+json"),
    if_match: str | None = Header(None),
    content_crs: str | None = Header(None),
    session: Session = Depends(get_session),
    who: Principal | None = Depends(optional_principal),
    catalog: Catalog = Depends(get_catalog),
) -> Response:
    c = _editable(catalog, collection_id, who)
    assert c.editor is not None
    body = service.to_storage(patch, _crs(content_crs), partial=True)
    c.editor.update(session, feature_id, body, if_match, who)
    etag = _quoted(c.editor.etag(session, feature_id))
    return Response(status_code=204, headers={"ETag": etag})


@router.delete(
    "/collections/{collection_id}/items/{feature_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a feature",
)
def delete(
    collection_id: str,
    feature_id: str,
    if_match: str | None = Header(None),
    session: Session = Depends(get_session),
    who: Principal | None = Depends(optional_principal),
    catalog: Catalog = Depends(get_catalog),
) -> Response:
    c = _editable(catalog, collection_id, who)
    assert c.editor is not None
    c.editor.delete(session, feature_id, if_match, who)
    return Response(status_code=204)
