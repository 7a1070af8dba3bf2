"""Raster catalogue and raster tile endpoints (a thin router); change detection's are in
:mod:`api_changes`, included here.

Imports need a surveyor, inspector or admin, deleting a raster an admin. Reads are public,
except a job's status (its owner's or an admin's).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from gis.contracts import GeoJSONResponse, answers, file_answer
from gis.db import app_engine
from gis.errors import InvalidInput
from gis.limits import lonlat_bbox
from gis.raster import (
    importroot,
    jobs,
    service,
    tilecache,
    tiles,
    uploads,
)
from gis.raster.api_changes import api as changes_router
from gis.raster.deps import Admin, EngineDep, Importer, SessionDep, Viewer
from gis.raster.pages import router as pages_router
from gis.raster.schemas import (
    RasterJob,
    StacItem,
    StacItemCollection,
    parse_date,
    parse_datetime_range,
)
from gis.settings import get_settings
from gis.store_http import stored_answer, stored_file
from gis.tiles import schemas as ts

router = APIRouter()
api = APIRouter(prefix="/api/v1", tags=["rasters"])


def _base(request: Request) -> str:
    return get_settings().public_url or str(request.base_url)


@api.post(
    "/rasters",
    status_code=201,
    response_class=GeoJSONResponse,
    responses=answers(StacItem, status=201),  # properties["landgis:job"]: the import job
)
def import_raster(
    request: Request,
    session: SessionDep,
    who: Importer,
    file: Annotated[UploadFile | None, File()] = None,
    path: Annotated[
        str | None, Form(description="a file in the server's import folder (relative to it)")
    ] = None,
    name: Annotated[str, Form(max_length=200)] = "",
    sensor: Annotated[str, Form(max_length=64)] = "",
    acquired_on: Annotated[str | None, Form()] = None,
    bands: Annotated[str | None, Form(description="band names, e.g. red,green,nir")] = None,
    job_id: Annotated[str | None, Form(pattern="^[0-9a-f]{32}$")] = None,
) -> JSONResponse:
    """Import a raster (upload or server path) as a validated COG; 201 with its STAC item."""
    if (file is None) == (path is None):
        raise InvalidInput("send either a file or a server path", field="file")
    req = service.ImportRequest(
        source=Path(),
        name=name,
        sensor=sensor.strip(),
        acquired_on=parse_date(acquired_on, "acquired_on"),
        band_names=bands.split(",") if bands else None,
        actor=who.username,
    )
    job = jobs.start(app_engine(request), "import", who.username, job_id)
    try:
        if file is not None:
            with uploads.incoming(file.file, file.filename or "upload") as local:
                req.source = local
                raster = service.import_raster(session, req, job.progress)
        else:
            req.source = importroot.confine(str(path))
            raster = service.import_raster(session, req, job.progress)
    except BaseException as exc:
        job.fail(exc)
        raise
    job.succeed({"raster_id": raster.id})
    body = service.item(session, raster.id, _base(request))
    body["properties"]["landgis:job"] = job.id
    return JSONResponse(
        body,
        status_code=201,
        media_type="application/geo+json",
        headers={"Location": f"/api/v1/rasters/{raster.id}"},
    )


@api.get("/raster-jobs/{job_id}", response_model=RasterJob)
def job_status(job_id: str, viewer: Viewer, engine: EngineDep) -> dict[str, Any]:
    """Progress of an import or change-detection job (its owner's or an admin's token)."""
    return jobs.get(engine, job_id, viewer)


@api.get("/rasters", response_class=GeoJSONResponse, responses=answers(StacItemCollection))
def search_rasters(
    request: Request,
    session: SessionDep,
    bbox: Annotated[str | None, Query(description="minlon,minlat,maxlon,maxlat")] = None,
    datetime: Annotated[str | None, Query(description="YYYY-MM-DD/YYYY-MM-DD, '..' open")] = None,
    sensor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> JSONResponse:
    """Search the catalogue by bbox (EPSG:4490), acquisition date range and sensor."""
    start, end = parse_datetime_range(datetime)
    body = service.search(
        session, _base(request), lonlat_bbox(bbox), start, end, sensor, limit, offset
    )
    return JSONResponse(body, media_type="application/geo+json")


@api.get("/rasters/{raster_id}", response_class=GeoJSONResponse, responses=answers(StacItem))
def raster_item(raster_id: int, request: Request, session: SessionDep) -> JSONResponse:
    """The STAC item of one raster."""
    body = service.item(session, raster_id, _base(request))
    return JSONResponse(body, media_type="application/geo+json")


@api.delete("/rasters/{raster_id}", status_code=204)
def delete_raster(raster_id: int, request: Request, session: SessionDep, who: Admin) -> Response:
    service.delete(session, raster_id)
    service.tile_sources(request.app.state).forget(raster_id)
    tilecache.for_app(request.app.state).forget_raster(raster_id)
    return Response(status_code=204)


@api.get(
    "/rasters/{raster_id}/cog",
    response_class=Response,
    responses=stored_answer("image/tiff"),
)
def raster_cog(raster_id: int, session: SessionDep) -> Response:
    """The COG file itself (supports HTTP range requests); on S3 a redirect to a presigned
    URL, so the store serves the bytes (and the range requests) itself."""
    raster = service.get_raster(session, raster_id)
    return stored_file(raster.path, f"raster-{raster_id}.tif", "image/tiff", "raster_id")


@api.get(
    "/rasters/{raster_id}/tiles/{z}/{x}/{y}.png",
    response_class=Response,
    responses=file_answer("image/png"),
)
def raster_tile(
    raster_id: int,
    z: int,
    x: int,
    y: int,
    request: Request,
    session: SessionDep,
    bands: str | None = None,
    rescale: str | None = None,
    colormap: str | None = None,
    algorithm: str | None = None,
) -> Response:
    """An XYZ (Web Mercator) PNG tile: band selection, rescale, colormap, hillshade.

    Rendered tiles are cached (see :mod:`gis.raster.tilecache`); each has a strong ETag
    and ``If-None-Match`` with it gets 304.
    """
    style = tiles.parse_style(bands, rescale, colormap, algorithm)
    raster = service.tile_sources(request.app.state).get(session, raster_id)
    session.close()  # release the connection (if one was taken) while rendering
    key = tilecache.RasterTileKey(raster_id, tilecache.content_version(raster), z, x, y, style)
    tile = tilecache.for_app(request.app.state).tile(
        key, lambda: tiles.render_tile(service.cog_path(raster), raster, z, x, y, style)
    )
    tilecache.prune_soon(request.app.state)
    headers = {"ETag": tile.etag, "Cache-Control": "public, max-age=3600"}
    if tilecache.matches(tile, request.headers.get("if-none-match")):
        return Response(status_code=304, headers=headers)
    return Response(tile.data, media_type="image/png", headers=headers)


@api.get(
    "/rasters/{raster_id}/tiles", response_model=ts.Tilesets, response_model_exclude_unset=True
)
def raster_tilesets(raster_id: int, request: Request, session: SessionDep) -> dict[str, Any]:
    """OGC API - Tiles: the tilesets of one raster (one map tileset in WebMercatorQuad)."""
    service.get_raster(session, raster_id)
    return {"tilesets": [tiles.ogc_tileset(raster_id, _base(request))]}


@api.get(
    "/rasters/{raster_id}/tiles/WebMercatorQuad",
    response_model=ts.Tileset,
    response_model_exclude_unset=True,
)
def raster_tileset(raster_id: int, request: Request, session: SessionDep) -> dict[str, Any]:
    service.get_raster(session, raster_id)
    return tiles.ogc_tileset(raster_id, _base(request))


@api.get(
    "/rasters/{raster_id}/tiles/WebMercatorQuad/{tile_matrix}/{tile_row}/{tile_col}",
    response_class=Response,
    responses=file_answer("image/png"),
)
def raster_ogc_tile(
    raster_id: int,
    tile_matrix: int,
    tile_row: int,
    tile_col: int,
    request: Request,
    session: SessionDep,
    bands: str | None = None,
    rescale: str | None = None,
    colormap: str | None = None,
    algorithm: str | None = None,
) -> Response:
    """OGC API - Tiles map tile (PNG): the same options as the XYZ tiles."""
    return raster_tile(
        raster_id,
        tile_matrix,
        tile_col,
        tile_row,
        request,
        session,
        bands,
        rescale,
        colormap,
        algorithm,
    )


@api.get(
    "/rasters/{raster_id}/tilejson.json",
    response_model=ts.TileJSON,
    response_model_exclude_unset=True,
)
def raster_tilejson(raster_id: int, request: Request, session: SessionDep) -> dict[str, Any]:
    raster = service.get_raster(session, raster_id)
    item = service.item(session, raster_id, _base(request))
    return tiles.tilejson(raster, _base(request), request.url.query, tuple(item["bbox"]))


router.include_router(api)
router.include_router(changes_router)
router.include_router(pages_router)
