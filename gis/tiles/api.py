"""OGC API Tiles (WebMercatorQuad), MVT tiles per collection and for the base map, TileJSON.

Tiles are addressed as OGC API Tiles (OGC 20-057) and pygeoapi, ldproxy and GeoServer
address them: ``{tileMatrix}/{tileRow}/{tileCol}`` (zoom, row from the north edge,
column from the west edge). The older ``{z}/{x}/{y}`` order of landgis was dropped: the
two cannot share one path. TileJSON gives the same URL as ``{z}/{y}/{x}``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from gis import replica
from gis.auth.deps import oauth2_scheme, optional_principal, principal_on_loop
from gis.auth.service import Principal
from gis.collections import Catalog, get_catalog
from gis.contracts import file_answer
from gis.db import app_database, get_session
from gis.settings import get_settings
from gis.tiles import freshness, past, service, shared, tilesets
from gis.tiles import schemas as ts
from gis.tiles.cache import CachedTile, TileCache, TileKey
from gis.tiles.matrix import TileAddress, check_tile, check_tms
from gis.tiles.repository import Marks
from gis.tiles.tilesets import Tileset
from gis.web import staffmaps
from gis.web.maps import BASEMAP_TILES
from gis.web.templating import render_template

router = APIRouter(tags=["OGC API Tiles"])
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/dataset-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
]
DATETIME = Query(
    None,
    alias="datetime",
    description="RFC 3339 instant: versioned layers (parcels) drawn as valid then",
)


def tile_cache(request: Request) -> TileCache:
    """The application's tile cache (one per app, made on first use)."""
    state = request.app.state
    cache = getattr(state, "tile_cache", None)
    if cache is None:
        s = get_settings()
        store = shared.from_settings("vector", state.database)
        cache = TileCache(s.tile_cache_items, s.tile_cache_dir, store)
        state.tile_cache = cache
    return cache


def base_url(request: Request) -> str:
    public = get_settings().public_url
    return (public or str(request.base_url)).rstrip("/")


def _tile_response(request: Request, tile: CachedTile, public: bool) -> Response:
    headers = {
        "ETag": tile.etag,
        "Cache-Control": ("public" if public else "private") + ", no-cache",
        **tile.meta,
    }
    if tile.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    if not tile.data:
        return Response(status_code=204, headers=headers)
    return Response(tile.data, media_type=service.MVT, headers=headers)


async def _serve(request: Request, tileset: Tileset, z: int, x: int, y: int) -> Response:
    """Check freshness on the event loop; make a missing tile in a worker thread.

    A tile no cache holds (and no read replica to wait for) is made at once: its
    snapshot starts after the request arrived, so it sees every committed edit without
    the check, and the cache keeps it only if it was made at the cache's watermark
    (:meth:`TileCache.put`)."""
    tile = check_tile(z, x, y)
    cache = tile_cache(request)
    checks = freshness.of_app(request.app.state)
    database = app_database(request)
    latest: Marks | None = None
    hit = None
    if cache.cannot_answer(TileKey(tileset.id, tile)) and replica.read_url(database) is None:
        checks.pruner.maybe_start(cache.disk_dir)
    else:
        latest = await checks.sync_cache(cache)
        hit = service.lookup(cache, tileset, tile)
    if hit is None:
        async with checks.checker().render_slots:
            # another request may have made it while this one waited for a slot (fresh
            # for this request only if the cache was synced after it arrived)
            hit = None if latest is None else service.lookup(cache, tileset, tile)
            if hit is None:
                hit = await run_in_threadpool(_make, request, cache, tileset, tile, latest)
    assert hit is not None
    return _tile_response(request, hit, tileset.public)


def _make(
    request: Request, cache: TileCache, tileset: Tileset, tile: TileAddress, latest: Marks | None
) -> CachedTile:
    """Make a tile on the tile pool, or in the session that overrides ``get_session``
    (tests run the app on a session of their own)."""
    database = app_database(request)
    factory = request.app.dependency_overrides.get(get_session)
    if factory is None:
        return service.make(database, None, cache, tileset, tile, latest)
    made = factory()
    if isinstance(made, Session):
        return service.make(database, made, cache, tileset, tile, latest)
    session = next(made)
    try:
        return service.make(database, session, cache, tileset, tile, latest)
    finally:
        made.close()


@router.get(
    "/ogc/tileMatrixSets", response_model=ts.TileMatrixSets, response_model_exclude_unset=True
)
def tile_matrix_sets(request: Request) -> dict[str, Any]:
    """The tile matrix sets offered (WebMercatorQuad)."""
    return service.matrix_sets(base_url(request))


@router.get(
    "/ogc/tileMatrixSets/{tileMatrixSetId}",
    response_model=ts.TileMatrixSet,
    response_model_exclude_unset=True,
)
def tile_matrix_set(tileMatrixSetId: str) -> dict[str, Any]:  # noqa: N803 (OGC name)
    """The definition of a tile matrix set."""
    check_tms(tileMatrixSetId)
    return service.matrix_set()


@router.get("/ogc/tiles", response_model=ts.Tilesets, response_model_exclude_unset=True)
def basemap_tilesets(request: Request, catalog: Catalog = Depends(get_catalog)) -> dict[str, Any]:
    """The dataset's tilesets: the multi-layer base map of all public collections."""
    return service.tileset_list(base_url(request), tilesets.basemap(catalog))


@router.get(
    "/ogc/tiles/{tileMatrixSetId}", response_model=ts.Tileset, response_model_exclude_unset=True
)
def basemap_tileset(
    request: Request,
    tileMatrixSetId: str,  # noqa: N803
    collections: str | None = None,
    catalog: Catalog = Depends(get_catalog),
) -> dict[str, Any]:
    """Metadata of the base-map tileset (optionally of the ``collections`` named)."""
    check_tms(tileMatrixSetId)
    return service.tileset_metadata(base_url(request), tilesets.basemap(catalog, collections))


@router.get(
    "/ogc/tiles/{tileMatrixSetId}/tilejson.json",
    response_model=ts.TileJSON,
    response_model_exclude_unset=True,
)
def basemap_tilejson(
    request: Request,
    tileMatrixSetId: str,  # noqa: N803
    collections: str | None = None,
    session: Session = Depends(get_session),
    catalog: Catalog = Depends(get_catalog),
) -> dict[str, Any]:
    """TileJSON of the base map (one vector layer per public collection)."""
    check_tms(tileMatrixSetId)
    return service.tilejson(session, base_url(request), tilesets.basemap(catalog, collections))


@router.get(
    "/ogc/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
    response_class=Response,
    responses=file_answer(service.MVT),
)
async def basemap_tile(
    request: Request,
    tileMatrixSetId: str,  # noqa: N803
    tileMatrix: int,  # noqa: N803
    tileRow: int,  # noqa: N803
    tileCol: int,  # noqa: N803
    collections: str | None = None,
    catalog: Catalog = Depends(get_catalog),
) -> Response:
    """A base-map MVT tile: one layer per public collection, or per collection named in
    ``collections`` (comma-separated ids)."""
    check_tms(tileMatrixSetId)
    return await _serve(
        request, tilesets.basemap(catalog, collections), tileMatrix, tileCol, tileRow
    )


@router.get(
    "/ogc/collections/{collectionId}/tiles",
    response_model=ts.Tilesets,
    response_model_exclude_unset=True,
)
def collection_tilesets(
    request: Request,
    collectionId: str,  # noqa: N803
    principal: Principal | None = Depends(optional_principal),
    catalog: Catalog = Depends(get_catalog),
) -> dict[str, Any]:
    """The tilesets of one collection."""
    tileset = tilesets.for_collection(catalog, collectionId)
    service.check_access(tileset, principal)
    return service.tileset_list(base_url(request), tileset)


@router.get(
    "/ogc/collections/{collectionId}/tiles/{tileMatrixSetId}",
    response_model=ts.Tileset,
    response_model_exclude_unset=True,
)
def collection_tileset(
    request: Request,
    collectionId: str,  # noqa: N803
    tileMatrixSetId: str,  # noqa: N803
    principal: Principal | None = Depends(optional_principal),
    catalog: Catalog = Depends(get_catalog),
) -> dict[str, Any]:
    """Metadata of one collection's tileset."""
    tileset = tilesets.for_collection(catalog, collectionId)
    check_tms(tileMatrixSetId)
    service.check_access(tileset, principal)
    return service.tileset_metadata(base_url(request), tileset)


@router.get(
    "/ogc/collections/{collectionId}/tiles/{tileMatrixSetId}/tilejson.json",
    response_model=ts.TileJSON,
    response_model_exclude_unset=True,
)
def collection_tilejson(
    request: Request,
    collectionId: str,  # noqa: N803
    tileMatrixSetId: str,  # noqa: N803
    session: Session = Depends(get_session),
    principal: Principal | None = Depends(optional_principal),
    catalog: Catalog = Depends(get_catalog),
) -> dict[str, Any]:
    """TileJSON of one collection."""
    tileset = tilesets.for_collection(catalog, collectionId)
    check_tms(tileMatrixSetId)
    service.check_access(tileset, principal)
    return service.tilejson(session, base_url(request), tileset)


@router.get(
    "/ogc/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
    response_class=Response,
    responses=file_answer(service.MVT),
)
async def collection_tile(
    request: Request,
    collectionId: str,  # noqa: N803
    tileMatrixSetId: str,  # noqa: N803
    tileMatrix: int,  # noqa: N803
    tileRow: int,  # noqa: N803
    tileCol: int,  # noqa: N803
    token: str | None = Depends(oauth2_scheme),
    at: str | None = DATETIME,
    catalog: Catalog = Depends(get_catalog),
) -> Response:
    """An MVT tile of one collection (one layer named after the collection); with
    ``datetime`` a versioned collection as it was at that instant (gis.tiles.past)."""
    tileset = past.at_instant(tilesets.for_collection(catalog, collectionId), at)
    check_tms(tileMatrixSetId)
    service.check_access(tileset, await principal_on_loop(request, token))
    return await _serve(request, tileset, tileMatrix, tileCol, tileRow)


@router.get("/maps/tiles", response_class=HTMLResponse, include_in_schema=False)
def basemap_page(
    request: Request,
    session: Session = Depends(get_session),
    catalog: Catalog = Depends(get_catalog),
) -> HTMLResponse:
    """A preview of the vector base map (all public collections), drawn from this server only."""
    tileset = tilesets.basemap(catalog)
    styles = service.default_styles(tileset)
    layer = staffmaps.multi_vector("basemap", "底图 base map", BASEMAP_TILES, styles)
    page = render_template(
        "tiles.html",
        title="矢量底图 vector base map",
        collections=list({c.id: c.title for c in tileset.layers}.items()),
        config=staffmaps.config(service.centre(session, tileset), 15, [layer]),
    )
    return HTMLResponse(page)
