"""Raster import and catalogue: rules and the transaction, no HTTP.

``import_raster`` checks the source (format, georeference, pixel limit, every block
readable), writes a validated COG, moves it into the store (``gis.store``: the
``files_dir/rasters`` folder, or S3) and adds the catalogue row in one transaction; on any
failure or interruption the COG is removed and the row rolled back, so nothing half-made
remains.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import rasterio
from sqlalchemy.orm import Session

from gis.db import transaction
from gis.errors import InvalidInput, NotFound
from gis.raster import cog, reading, repository
from gis.raster.models import Raster
from gis.raster.stac import stac_item
from gis.settings import get_settings
from gis.store import discard, get_store

Stage = Callable[[str, int, int], None]  # (stage, done, total)
RASTER_DIR = "rasters"
GDAL_CACHE_MB = 256  # bounded memory for big imports (GDAL's default is 5 % of RAM)


class RasterNotFound(NotFound):
    """No catalogued raster has this id."""


@dataclass
class ImportRequest:
    """What to import and how to describe it."""

    source: Path
    name: str = ""
    sensor: str = ""
    acquired_on: date | None = None
    band_names: list[str] | None = None
    actor: str = ""


def raster_folder() -> Path:
    """The local folder COGs are made in (the store's own folder when it is local)."""
    return get_store().staging(RASTER_DIR)


def import_raster(session: Session, req: ImportRequest, stage: Stage | None = None) -> Raster:
    """Import one raster file; commit the catalogue row; return it."""
    report = stage or (lambda _s, _d, _t: None)
    max_pixels = get_settings().raster_max_pixels
    with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB), reading.open_source(req.source) as src:
        reading.check_georeferenced(src, max_pixels)
        _check_band_names(req.band_names, src.count)
        stats = reading.scan(src, lambda d, t: report("reading", d, t))
        info = reading.describe(src, stats)
        report("writing COG", 0, 1)
        path = cog.write_cog(src, raster_folder())
    key, size = f"{RASTER_DIR}/{path.name}", path.stat().st_size
    try:
        with rasterio.open(path) as made:
            info.footprint = reading.footprint_4490(made, reading.data_outline(made))
        get_store().put_file(path, key)
    except BaseException:
        cog.remove_quietly(path)
        discard(key)
        raise
    try:
        with transaction(session):  # the entry point's unit of work, or its own
            raster = _catalogue(session, req, info, key, size)
    except BaseException:
        discard(key)
        raise
    report("done", 1, 1)
    return raster


def _check_band_names(names: list[str] | None, count: int) -> None:
    if names is not None and any(not n.strip() or len(n) > 32 for n in names):
        raise InvalidInput("band names must be 1 to 32 characters", field="bands")
    if names is not None and len(names) != count:
        raise InvalidInput(
            f"{len(names)} band names given for a raster of {count} bands", field="bands"
        )


def _catalogue(
    session: Session, req: ImportRequest, info: reading.RasterInfo, key: str, size: int
) -> Raster:
    bands = info.bands
    if req.band_names:
        for band, name in zip(bands, req.band_names, strict=True):
            band["name"] = name.strip().lower()
    raster = Raster(
        name=req.name or req.source.name,
        path=key,
        source_name=req.source.name,
        driver=info.driver,
        sensor=req.sensor,
        acquired_on=req.acquired_on,
        crs=info.crs,
        epsg=info.epsg,
        width=info.width,
        height=info.height,
        band_count=info.band_count,
        dtype=info.dtype,
        res_x=info.res_x,
        res_y=info.res_y,
        nodata=info.nodata,
        bands=bands,
        native_bbox=info.native_bbox,
        size_bytes=size,
        created_by=req.actor,
    )
    return repository.add_raster(session, raster, info.footprint)


def get_raster(session: Session, raster_id: int) -> Raster:
    raster = repository.get_raster(session, raster_id)
    if raster is None:
        raise RasterNotFound(f"no raster {raster_id}", field="raster_id")
    return raster


TILE_SOURCE_TTL_S = 30.0


class TileSources:
    """The catalogue rows tile requests need, kept in memory for a few seconds; one per
    app (:func:`tile_sources`).

    Catalogue rows never change after import, so tiles skip the database on a hit. A raster
    deleted by another worker is noticed at once: its COG is gone from the store (a file
    check, or a HEAD request on S3), and the entry is dropped.
    """

    def __init__(self) -> None:
        self._rows: dict[int, tuple[float, Raster]] = {}

    def get(self, session: Session, raster_id: int) -> Raster:
        """The catalogue row of ``raster_id`` (RasterNotFound when it is gone)."""
        hit = self._rows.get(raster_id)
        if hit is not None and time.monotonic() - hit[0] < TILE_SOURCE_TTL_S:
            if get_store().exists(hit[1].path):
                return hit[1]
            self.forget(raster_id)
            raise RasterNotFound(f"no raster {raster_id}", field="raster_id")
        raster = get_raster(session, raster_id)
        self._rows[raster_id] = (time.monotonic(), raster)
        return raster

    def forget(self, raster_id: int) -> None:
        """Drop the row of ``raster_id`` (deleted, or changed behind the catalogue's back)."""
        self._rows.pop(raster_id, None)


def tile_sources(state: Any) -> TileSources:
    """The :class:`TileSources` of the app whose ``state`` this is (made on first use)."""
    sources: TileSources | None = getattr(state, "raster_tile_sources", None)
    if sources is None:
        sources = TileSources()
        state.raster_tile_sources = sources
    return sources


def cog_path(raster: Raster) -> str:
    """The GDAL path of a catalogued raster's COG (a file, or ``/vsis3/...``)."""
    return get_store().gdal_path(raster.path)


def item(session: Session, raster_id: int, base_url: str) -> dict[str, Any]:
    """The STAC item of one raster."""
    raster = get_raster(session, raster_id)
    return stac_item(raster, repository.footprint_geojson(session, raster_id), base_url)


def search(
    session: Session,
    base_url: str,
    bbox: tuple[float, float, float, float] | None = None,
    start: date | None = None,
    end: date | None = None,
    sensor: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> dict[str, Any]:
    """A STAC-style FeatureCollection of the rasters matching the filters."""
    if start and end and start > end:
        raise InvalidInput("the date range ends before it starts", field="datetime")
    rows, total = repository.search_rasters(session, bbox, start, end, sensor, limit, offset)
    return {
        "type": "FeatureCollection",
        "numberMatched": total,
        "numberReturned": len(rows),
        "features": [stac_item(r, g, base_url) for r, g in rows],
    }


def delete(session: Session, raster_id: int) -> None:
    """Remove a raster from the catalogue and delete its COG from the store (after the
    commit)."""
    raster = get_raster(session, raster_id)
    key = raster.path
    with transaction(session):
        repository.delete_raster(session, raster)
    discard(key)
