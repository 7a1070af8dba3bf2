"""All SQL of the raster catalogue and of change patches (bound parameters only; never commits)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from gis.raster.models import ChangePatch, ChangeRun, Raster


def add_raster(session: Session, raster: Raster, footprint: dict[str, Any]) -> Raster:
    raster.footprint = func.ST_SetSRID(func.ST_GeomFromGeoJSON(json.dumps(footprint)), 4490)
    session.add(raster)
    session.flush()
    session.refresh(raster)
    return raster


def get_raster(session: Session, raster_id: int) -> Raster | None:
    return session.get(Raster, raster_id)


def footprint_geojson(session: Session, raster_id: int) -> dict[str, Any]:
    row = session.execute(
        select(func.ST_AsGeoJSON(Raster.footprint, 9)).where(Raster.id == raster_id)
    ).scalar_one()
    return dict(json.loads(row))


def search_rasters(
    session: Session,
    bbox: tuple[float, float, float, float] | None,
    start: date | None,
    end: date | None,
    sensor: str | None,
    limit: int,
    offset: int,
) -> tuple[list[tuple[Raster, dict[str, Any]]], int]:
    """Rasters whose footprint meets ``bbox`` (EPSG:4490), acquired in [start, end], by sensor."""
    query = select(Raster, func.ST_AsGeoJSON(Raster.footprint, 9))
    if bbox is not None:
        env = func.ST_MakeEnvelope(*bbox, 4490)
        query = query.where(func.ST_Intersects(Raster.footprint, env))
    if start is not None:
        query = query.where(Raster.acquired_on >= start)
    if end is not None:
        query = query.where(Raster.acquired_on <= end)
    if sensor:
        query = query.where(func.lower(Raster.sensor) == sensor.lower())
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(query.order_by(Raster.id).limit(limit).offset(offset)).all()
    return [(r, json.loads(g)) for r, g in rows], int(total)


def delete_raster(session: Session, raster: Raster) -> None:
    session.delete(raster)
    session.flush()


def footprints_overlap(session: Session, a: int, b: int) -> bool:
    sql = text(
        "SELECT ST_Area(ST_Intersection(x.footprint, y.footprint)) > 0 "
        "FROM raster x, raster y WHERE x.id = :a AND y.id = :b"
    )
    return bool(session.execute(sql, {"a": a, "b": b}).scalar_one())


def add_run(session: Session, run: ChangeRun) -> ChangeRun:
    session.add(run)
    session.flush()
    return run


def add_patch(session: Session, patch: ChangePatch, geom_wkb_hex: str) -> ChangePatch:
    patch.geom = func.ST_Multi(func.ST_GeomFromWKB(func.decode(geom_wkb_hex, "hex"), 4490))
    session.add(patch)
    session.flush()
    return patch


def get_run(session: Session, run_id: int) -> ChangeRun | None:
    return session.get(ChangeRun, run_id)


def get_patch(session: Session, patch_id: int) -> ChangePatch | None:
    return session.get(ChangePatch, patch_id)


def list_runs(session: Session, limit: int, offset: int) -> list[ChangeRun]:
    query = select(ChangeRun).order_by(ChangeRun.id.desc()).limit(limit).offset(offset)
    return list(session.execute(query).scalars())


def list_patches(
    session: Session,
    run_id: int | None,
    verdict: str | None,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[list[tuple[ChangePatch, str]], int]:
    """Patches with their GeoJSON geometry (EPSG:4490), newest run first."""
    query = select(ChangePatch, func.ST_AsGeoJSON(ChangePatch.geom, 9).label("geojson"))
    if run_id is not None:
        query = query.where(ChangePatch.run_id == run_id)
    if verdict:
        query = query.where(ChangePatch.verdict == verdict)
    if status:
        query = query.where(ChangePatch.status == status)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    query = query.order_by(ChangePatch.run_id.desc(), ChangePatch.id).limit(limit).offset(offset)
    return [(p, g) for p, g in session.execute(query).tuples()], int(total)


def patch_geojson(session: Session, patch_id: int) -> dict[str, Any]:
    row = session.execute(
        select(func.ST_AsGeoJSON(ChangePatch.geom, 9)).where(ChangePatch.id == patch_id)
    ).scalar_one()
    return dict(json.loads(row))
