"""OGC API Features (Parts 1-4, sorting and property selection) under /ogc."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.exc import DataError, InternalError
from sqlalchemy.orm import Session

from gis.auth.deps import optional_principal
from gis.auth.service import Principal
from gis.collections import Catalog, Collection, get_catalog
from gis.contracts import GeoJSONResponse, SchemaJSONResponse, answers
from gis.db import get_session
from gis.ogc import api_versions, documents, html, repository, service
from gis.ogc import crs as crs_mod
from gis.ogc import schemas as ogc
from gis.ogc.documents import GEOJSON, JSON
from gis.ogc.errors import InvalidParameter
from gis.ogc.params import (
    DEFAULT_LIMIT,
    ItemsRequest,
    build_query,
    check_limit,
    parse_properties,
)
from gis.replica import get_read_session
from gis.tiles.api import CONFORMANCE as TILES_CONFORMANCE

router = APIRouter(prefix="/ogc", tags=["OGC API Features"])
RESERVED = {"f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "filter"}
RESERVED |= {"filter-lang", "filter-crs", "properties", "sortby"}
SORTBY_HELP = "comma-separated sortables, '-' descending, '+' or none ascending: +land_use,-area_m2"
PROPERTIES_HELP = "comma-separated properties to return (id and geometry always come)"


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _wants_html(request: Request, f: str | None) -> bool:
    if f:
        return f.lower() == "html"
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "json" not in accept


def _json(doc: dict[str, Any], media: str = JSON, **headers: str) -> Response:
    return Response(json.dumps(doc, ensure_ascii=False), media_type=media, headers=headers)


@router.get("", summary="Landing page", responses=answers(ogc.Landing, "text/html"))
def landing(request: Request, f: str | None = None) -> Response:
    doc = documents.landing(_base(request))
    return HTMLResponse(html.document(doc)) if _wants_html(request, f) else _json(doc)


@router.get(
    "/conformance", summary="Conformance classes", responses=answers(ogc.Conformance, "text/html")
)
def conformance(request: Request, f: str | None = None) -> Response:
    doc = {"title": "Conformance", "conformsTo": [*documents.CONFORMANCE, *TILES_CONFORMANCE]}
    return HTMLResponse(html.document(doc)) if _wants_html(request, f) else _json(doc)


@router.get(
    "/collections", summary="Feature collections", responses=answers(ogc.Collections, "text/html")
)
def collections(
    request: Request,
    f: str | None = None,
    session: Session = Depends(get_session),
    who: Principal | None = Depends(optional_principal),
    catalog: Catalog = Depends(get_catalog),
) -> Response:
    base = _base(request)
    visible = service.visible(catalog, who)
    # read once per source: the parcels' overviews give the parcels' extent (extent_of)
    boxes: dict[str, list[float] | None] = {}
    for c in visible:
        source = c.extent_of or c
        if source.id not in boxes:
            boxes[source.id] = repository.extent(session, source)
    doc = {
        "title": "Collections",
        "description": "图层 layers",
        "links": [documents.link(f"{base}/ogc/collections", "self", JSON)],
        "collections": [
            documents.collection(base, c, boxes[(c.extent_of or c).id]) for c in visible
        ],
        "crs": crs_mod.CRS_LIST,
    }
    return HTMLResponse(html.document(doc)) if _wants_html(request, f) else _json(doc)


@router.get(
    "/collections/{collection_id}",
    summary="One feature collection",
    responses=answers(ogc.CollectionDoc, "text/html"),
)
def collection(
    collection_id: str,
    request: Request,
    f: str | None = None,
    session: Session = Depends(get_session),
    who: Principal | None = Depends(optional_principal),
    catalog: Catalog = Depends(get_catalog),
) -> Response:
    c = service.readable(catalog, collection_id, who)
    doc = documents.collection(_base(request), c, repository.extent(session, c))
    return HTMLResponse(html.document(doc)) if _wants_html(request, f) else _json(doc)


@router.get(
    "/collections/{collection_id}/queryables",
    summary="Queryable properties",
    response_class=SchemaJSONResponse,
    responses=answers(ogc.JsonSchemaDoc),
)
def queryables(
    collection_id: str,
    request: Request,
    who: Principal | None = Depends(optional_principal),
    catalog: Catalog = Depends(get_catalog),
) -> Response:
    c = service.readable(catalog, collection_id, who)
    return _json(documents.queryables(_base(request), c), "application/schema+json")


@router.get(
    "/collections/{collection_id}/sortables",
    summary="Properties to sort by",
    response_class=SchemaJSONResponse,
    responses=answers(ogc.JsonSchemaDoc),
)
def sortables(
    collection_id: str,
    request: Request,
    who: Principal | None = Depends(optional_principal),
    catalog: Catalog = Depends(get_catalog),
) -> Response:
    c = service.readable(catalog, collection_id, who)
    return _json(documents.sortables(_base(request), c), "application/schema+json")


@router.get(
    "/collections/{collection_id}/schema",
    summary="Properties a feature carries",
    response_class=SchemaJSONResponse,
    responses=answers(ogc.JsonSchemaDoc),
)
def schema(
    collection_id: str,
    request: Request,
    who: Principal | None = Depends(optional_principal),
    catalog: Catalog = Depends(get_catalog),
) -> Response:
    c = service.readable(catalog, collection_id, who)
    return _json(documents.returnables(_base(request), c), "application/schema+json")


def _page_links(request: Request, limit: int, offset: int, more: bool) -> list[dict[str, Any]]:
    url = f"{_base(request)}{request.url.path}"
    args = {k: v for k, v in request.query_params.items() if k not in ("offset", "f")}

    def href(off: int, fmt: str | None = None) -> str:
        return f"{url}?{urlencode({**args, 'offset': off, **({'f': fmt} if fmt else {})})}"

    links = [
        documents.link(href(offset), "self", GEOJSON, "this page"),
        documents.link(href(offset, "html"), "alternate", "text/html", "this page as HTML"),
    ]
    if more:
        links.append(documents.link(href(offset + limit), "next", GEOJSON, "next page"))
    if offset > 0:
        links.append(documents.link(href(max(0, offset - limit)), "prev", GEOJSON, "previous"))
    return links


def _typed(name: str, value: str, kind: str) -> str | float:
    if kind not in ("integer", "number"):
        return value
    try:
        return float(value)
    except ValueError:
        raise InvalidParameter(f"{name} must be a number", field=name) from None


def _property_filters(request: Request, props: dict[str, str]) -> str | None:
    """``?land_use=07`` style equality filters on queryables, as CQL2 JSON."""
    args = [
        {"op": "=", "args": [{"property": k}, _typed(k, v, props[k])]}
        for k, v in request.query_params.items()
        if k in props and k not in RESERVED
    ]
    if not args:
        return None
    return json.dumps(args[0] if len(args) == 1 else {"op": "and", "args": args})


def _page(
    request: Request, session: Session, c: Collection, out_crs: crs_mod.OutputCrs, req: ItemsRequest
) -> str:
    """One page of features as FeatureCollection text (PostGIS builds the features)."""
    q = build_query(c, req)
    try:
        body, n, more = repository.items(session, c, out_crs, q, req.limit, req.offset)
    except (DataError, InternalError) as exc:  # e.g. PostGIS refusing a transform of a literal
        session.rollback()
        detail = str(exc.orig).splitlines()[0][:200]
        field = "filter" if req.filter else "bbox"
        raise InvalidParameter(
            f"PostGIS cannot evaluate this request: {detail}", field=field
        ) from None
    head: dict[str, Any] = {
        "type": "FeatureCollection",
        "numberReturned": n,
        "timeStamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "links": _page_links(request, req.limit, req.offset, more),
    }
    if not more:
        head["numberMatched"] = req.offset + n
    elif 0 <= repository.estimated_rows(session, c) <= repository.CHEAP_COUNT_ROWS:
        head["numberMatched"] = repository.count(session, c, q)
    return json.dumps(head, ensure_ascii=False)[:-1] + f', "features": [{body}]}}'


@router.get(
    "/collections/{collection_id}/items",
    summary="Features (GeoJSON or HTML)",
    response_class=GeoJSONResponse,
    responses=answers(ogc.FeatureCollection, "text/html"),
)
def items(
    collection_id: str,
    request: Request,
    f: str | None = None,
    limit: int = Query(DEFAULT_LIMIT, description="1 to 10000"),
    offset: int = 0,
    bbox: str | None = None,
    bbox_crs: str | None = Query(None, alias="bbox-crs"),
    crs: str | None = None,
    datetime_: str | None = Query(None, alias="datetime"),
    filter_: str | None = Query(None, alias="filter"),
    filter_lang: str | None = Query(None, alias="filter-lang"),
    filter_crs: str | None = Query(None, alias="filter-crs"),
    sortby: str | None = Query(None, description=SORTBY_HELP),
    properties: str | None = Query(None, description=PROPERTIES_HELP),
    session: Session = Depends(get_read_session),  # public read: replica (#15)
    who: Principal | None = Depends(optional_principal),
    catalog: Catalog = Depends(get_catalog),
) -> Response:
    c = service.readable(catalog, collection_id, who)
    check_limit(limit, offset)
    as_html = _wants_html(request, f)
    out_crs = crs_mod.SUPPORTED[crs_mod.CRS84] if as_html else crs_mod.parse(crs)
    req = ItemsRequest(
        limit,
        offset,
        bbox,
        bbox_crs,
        datetime_,
        filter_,
        filter_lang,
        filter_crs,
        property_filter=_property_filters(request, c.properties),
        sortby=sortby,
        properties=properties,
    )
    text = _page(request, session, c, out_crs, req)
    if as_html:
        return HTMLResponse(html.items(c.title, text))
    return Response(text, media_type=GEOJSON, headers={"Content-Crs": crs_mod.header(out_crs)})


def _etag_of(session: Session, c: Any, fid: str, feature: str) -> str:
    if c.editor is not None:
        return str(c.editor.etag(session, fid)).strip('"')
    return hashlib.md5(feature.encode(), usedforsecurity=False).hexdigest()


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    summary="One feature",
    response_class=GeoJSONResponse,
    responses=answers(ogc.Feature, "text/html"),
)
def item(
    collection_id: str,
    feature_id: str,
    request: Request,
    f: str | None = None,
    crs: str | None = None,
    properties: str | None = Query(None, description=PROPERTIES_HELP),
    session: Session = Depends(get_session),
    who: Principal | None = Depends(optional_principal),
    catalog: Catalog = Depends(get_catalog),
) -> Response:
    c = service.readable(catalog, collection_id, who)
    as_html = _wants_html(request, f)
    out_crs = crs_mod.SUPPORTED[crs_mod.CRS84] if as_html else crs_mod.parse(crs)
    chosen = None if properties is None else parse_properties(c, properties)
    feature = repository.item(session, c, out_crs, feature_id, chosen)
    if feature is None:
        raise api_versions.gone_or_missing(session, c, _base(request), feature_id)
    if as_html:
        return HTMLResponse(
            html.items(c.title, f'{{"type":"FeatureCollection","features":[{feature}]}}')
        )
    href = f"{_base(request)}/ogc/collections/{c.id}"
    links = [
        documents.link(f"{href}/items/{feature_id}", "self", GEOJSON),
        documents.link(href, "collection", JSON, c.title),
    ]
    if c.lifespan is not None:
        links += api_versions.lineage_links(session, c, _base(request), feature_id)
    text = feature[:-1] + f', "links": {json.dumps(links)}}}'
    headers = {
        "Content-Crs": crs_mod.header(out_crs),
        "ETag": f'"{_etag_of(session, c, feature_id, feature)}"',
    }
    return Response(text, media_type=GEOJSON, headers=headers)


def _include_writes() -> None:
    from gis.ogc import api_write

    router.include_router(api_write.router, prefix="")
    router.include_router(api_versions.router, prefix="")


_include_writes()
