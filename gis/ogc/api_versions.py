"""OGC API Features, versioned collections: a feature's versions, one version, and 410
Gone with the successors' links for a feature that was retired (see gis.ogc.versions)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from gis.auth.deps import optional_principal
from gis.auth.service import Principal
from gis.collections import Catalog, Collection, get_catalog
from gis.contracts import GeoJSONResponse, answers
from gis.db import get_session
from gis.errors import Gone, NotFound
from gis.ogc import crs as crs_mod
from gis.ogc import documents, service, versions
from gis.ogc import schemas as ogc
from gis.ogc.documents import GEOJSON, JSON

router = APIRouter(tags=["OGC API Features"])  # included by gis.ogc.api under /ogc


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _versioned(catalog: Catalog, collection_id: str, who: Principal | None) -> Collection:
    c = service.readable(catalog, collection_id, who)
    if c.lifespan is None:
        raise NotFound(f"{c.id!r} keeps no versions", field="collectionId")
    return c


def lineage_links(session: Session, c: Collection, base: str, fid: str) -> list[dict[str, Any]]:
    """predecessor-version / successor-version links to the features this one came from
    and became, and version-history to its own versions."""
    href = f"{base}/ogc/collections/{c.id}/items"
    links = [documents.link(f"{href}/{fid}/versions", "version-history", GEOJSON)]
    for kind, rel in (("predecessors", "predecessor-version"), ("successors", "successor-version")):
        links += [
            documents.link(f"{href}/{other}", rel, GEOJSON)
            for other in versions.related(session, c, fid, kind)
        ]
    return links


def gone_or_missing(session: Session, c: Collection, base: str, fid: str) -> Exception:
    """410 Gone naming the successors when ``fid`` existed and was retired, else 404."""
    if c.lifespan is not None and versions.version_numbers(session, c, fid):
        successors = versions.related(session, c, fid, "successors")
        became = ", ".join(successors) or "nothing"
        return Gone(
            f"{fid} 已注销，现为 {became}；{fid} was retired and became {became}",
            field="featureId",
            links=lineage_links(session, c, base, fid),
        )
    return NotFound(f"no feature {fid!r} in {c.id!r}", field="featureId")


@router.get(
    "/collections/{collection_id}/items/{feature_id}/versions",
    summary="Every version of one feature (versioned collections)",
    response_class=GeoJSONResponse,
    responses=answers(ogc.FeatureCollection),
)
def feature_versions(
    collection_id: str,
    feature_id: str,
    request: Request,
    crs: str | None = None,
    session: Session = Depends(get_session),
    who: Principal | None = Depends(optional_principal),
    catalog: Catalog = Depends(get_catalog),
) -> Response:
    c = _versioned(catalog, collection_id, who)
    out_crs = crs_mod.parse(crs)
    found = versions.all_versions(session, c, out_crs, feature_id)
    if not found:
        raise NotFound(f"no feature {feature_id!r} in {c.id!r}", field="featureId")
    base = _base(request)
    href = f"{base}/ogc/collections/{c.id}/items/{feature_id}"
    numbers = versions.version_numbers(session, c, feature_id)
    links = [
        documents.link(f"{href}/versions", "self", GEOJSON),
        documents.link(f"{base}/ogc/collections/{c.id}", "collection", JSON, c.title),
        *(documents.link(f"{href}/versions/{n}", "version", GEOJSON) for n in numbers),
        *lineage_links(session, c, base, feature_id)[1:],
    ]
    if numbers:
        links.append(documents.link(f"{href}/versions/{numbers[-1]}", "latest-version", GEOJSON))
    body = (
        '{"type":"FeatureCollection","features":[' + ",".join(found) + "],"
        f'"numberReturned":{len(found)},"links":{json.dumps(links)}}}'
    )
    return Response(body, media_type=GEOJSON, headers={"Content-Crs": crs_mod.header(out_crs)})


@router.get(
    "/collections/{collection_id}/items/{feature_id}/versions/{version}",
    summary="One version of one feature (versioned collections)",
    response_class=GeoJSONResponse,
    responses=answers(ogc.Feature),
)
def feature_version(
    collection_id: str,
    feature_id: str,
    version: int,
    request: Request,
    crs: str | None = None,
    session: Session = Depends(get_session),
    who: Principal | None = Depends(optional_principal),
    catalog: Catalog = Depends(get_catalog),
) -> Response:
    c = _versioned(catalog, collection_id, who)
    out_crs = crs_mod.parse(crs)
    if not 0 < version < 2**31:
        raise NotFound(f"no version {version} of {feature_id!r}", field="version")
    feature = versions.one_version(session, c, out_crs, feature_id, version)
    if feature is None:
        raise NotFound(f"no version {version} of {feature_id!r}", field="version")
    href = f"{_base(request)}/ogc/collections/{c.id}/items/{feature_id}"
    links = [
        documents.link(f"{href}/versions/{version}", "self", GEOJSON),
        documents.link(f"{href}/versions", "version-history", GEOJSON),
    ]
    body = feature[:-1] + f', "links": {json.dumps(links)}}}'
    return Response(body, media_type=GEOJSON, headers={"Content-Crs": crs_mod.header(out_crs)})
