"""Change detection runs and the enforcement list (卫片执法): rules and transactions, no HTTP.

A run compares two catalogued rasters, stores each changed patch with its overlay
(zones, farmland, parcels and approvals touched) and verdict, and leaves its field-check
status ``pending`` until an inspector confirms or dismisses it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from gis.auth.roles import Role
from gis.auth.service import Principal
from gis.db import transaction
from gis.errors import InvalidInput, NotFound
from gis.raster import change, overlay, repository
from gis.raster.approvals import ApprovalSource
from gis.raster.models import FIELD_STATUSES, VERDICTS, ChangePatch, ChangeRun
from gis.raster.service import cog_path, get_raster
from gis.settings import get_settings

Stage = Callable[[str, int, int], None]
DIRECTIONS = {
    "decrease": ("减少(如植被消失、建设占用)", "decrease (e.g. vegetation lost, built over)"),
    "increase": ("增加", "increase"),
}


class ChangeRunNotFound(NotFound):
    """No change-detection run has this id."""


class PatchNotFound(NotFound):
    """No change patch has this id."""


@dataclass
class ChangeRequest:
    """Which two rasters to compare and with what threshold and minimum patch area."""

    before_id: int
    after_id: int
    threshold: float | None = None
    min_area_m2: float = 200.0
    actor: str = ""


DEFAULT_THRESHOLDS = {"ndvi": 0.2, "band_difference": 0.25}


def run_changes(
    session: Session,
    req: ChangeRequest,
    stage: Stage | None = None,
    *,
    approvals: Sequence[ApprovalSource],
) -> ChangeRun:
    """Detect, overlay and store the changed patches of two rasters; commit; return the run.
    ``approvals``: the sources whose land explains a patch (the catalog's, given by the caller)."""
    report = stage or (lambda _s, _d, _t: None)
    if req.before_id == req.after_id:
        raise InvalidInput("compare two different rasters", field="after_id")
    if req.min_area_m2 < 0:
        raise InvalidInput("min_area_m2 must not be negative", field="min_area_m2")
    before = get_raster(session, req.before_id)
    after = get_raster(session, req.after_id)
    measure = change.choose_measure(before.bands, after.bands)
    threshold = req.threshold if req.threshold is not None else DEFAULT_THRESHOLDS[measure.method]
    if threshold <= 0:
        raise InvalidInput("threshold must be positive", field="threshold")
    if not repository.footprints_overlap(session, before.id, after.id):
        raise change.RastersDoNotOverlap("the two rasters do not overlap", field="after_id")
    grid, patches = change.detect(
        cog_path(before),
        cog_path(after),
        measure,
        threshold,
        req.min_area_m2,
        get_settings().raster_max_pixels,
        lambda d, t: report("comparing", d, t),
    )
    with transaction(session):  # the entry point's unit of work, or its own
        run = _store(session, req, measure.method, threshold, grid, patches, report, approvals)
    return run


def _store(
    session: Session,
    req: ChangeRequest,
    method: str,
    threshold: float,
    grid: change.Grid,
    patches: list[change.Patch],
    report: Stage,
    approvals: Sequence[ApprovalSource],
) -> ChangeRun:
    run = repository.add_run(
        session,
        ChangeRun(
            before_id=req.before_id,
            after_id=req.after_id,
            method=method,
            threshold=threshold,
            min_area_m2=req.min_area_m2,
            grid=grid.describe(),
            patch_count=len(patches),
            created_by=req.actor,
        ),
    )
    for done, patch in enumerate(patches, start=1):
        wkb = patch.geom.wkb_hex
        found = overlay.overlay(session, wkb, approvals)
        row = ChangePatch(
            run_id=run.id,
            area_m2=Decimal(str(round(patch.area_m2, 2))),
            mean_change=round(patch.mean_change, 6),
            direction=patch.direction,
            zones=found.zones,
            parcels=found.parcels,
            in_farmland=found.in_farmland,
            approved_ratio=round(min(1.0, found.approved_m2 / patch.area_m2), 4),
            verdict=overlay.verdict(patch.area_m2, found.approved_m2),
        )
        repository.add_patch(session, row, wkb)
        report("overlay", done, len(patches))
    return run


def get_run(session: Session, run_id: int) -> ChangeRun:
    run = repository.get_run(session, run_id)
    if run is None:
        raise ChangeRunNotFound(f"no change run {run_id}", field="run_id")
    return run


def run_public(run: ChangeRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "before_id": run.before_id,
        "after_id": run.after_id,
        "method": run.method,
        "threshold": run.threshold,
        "min_area_m2": run.min_area_m2,
        "grid": run.grid,
        "patch_count": run.patch_count,
        "created_by": run.created_by,
        "created_at": run.created_at.isoformat() if run.created_at else None,
    }


def patch_feature(patch: ChangePatch, geometry: dict[str, Any]) -> dict[str, Any]:
    """A patch as a GeoJSON feature (EPSG:4490) with Chinese and English names of codes."""
    v_zh, v_en = VERDICTS[patch.verdict]
    s_zh, s_en = FIELD_STATUSES[patch.status]
    d_zh, d_en = DIRECTIONS[patch.direction]
    return {
        "type": "Feature",
        "id": patch.id,
        "geometry": geometry,
        "properties": {
            "run_id": patch.run_id,
            "area_m2": str(patch.area_m2),
            "mean_change": patch.mean_change,
            "direction": patch.direction,
            "direction_zh": d_zh,
            "direction_en": d_en,
            "in_farmland": patch.in_farmland,
            "approved_ratio": patch.approved_ratio,
            "verdict": patch.verdict,
            "verdict_zh": v_zh,
            "verdict_en": v_en,
            "status": patch.status,
            "status_zh": s_zh,
            "status_en": s_en,
            "note": patch.note,
            "photo": patch.photo,
            "checked_by": patch.checked_by,
            "checked_at": patch.checked_at.isoformat() if patch.checked_at else None,
            "zones": patch.zones,
            "parcels": patch.parcels,
        },
    }


def list_patches(
    session: Session,
    run_id: int | None = None,
    verdict: str | None = None,
    status: str | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> dict[str, Any]:
    """The enforcement list as a GeoJSON FeatureCollection."""
    if verdict is not None and verdict not in VERDICTS:
        raise InvalidInput(f"verdict must be one of {', '.join(VERDICTS)}", field="verdict")
    if status is not None and status not in FIELD_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(FIELD_STATUSES)}", field="status")
    rows, total = repository.list_patches(session, run_id, verdict, status, limit, offset)
    features = [patch_feature(p, json.loads(g)) for p, g in rows]
    return {
        "type": "FeatureCollection",
        "numberMatched": total,
        "numberReturned": len(features),
        "features": features,
    }


def get_patch(session: Session, patch_id: int) -> dict[str, Any]:
    patch = repository.get_patch(session, patch_id)
    if patch is None:
        raise PatchNotFound(f"no change patch {patch_id}", field="patch_id")
    return patch_feature(patch, repository.patch_geojson(session, patch_id))


def field_check(
    session: Session, patch_id: int, status: str, note: str, photo: str, actor: str
) -> dict[str, Any]:
    """Record an inspector's field check of one patch; commit."""
    if status not in FIELD_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(FIELD_STATUSES)}", field="status")
    if status != "pending" and not note.strip():
        raise InvalidInput("say what was found on site", field="note")
    patch = repository.get_patch(session, patch_id)
    if patch is None:
        raise PatchNotFound(f"no change patch {patch_id}", field="patch_id")
    patch.status, patch.note, patch.checked_by = status, note.strip(), actor
    if photo:
        patch.photo = photo
    patch.checked_at = datetime.now(UTC)
    session.flush()
    return get_patch(session, patch_id)


STAFF_NAMES = (Role.INSPECTOR, Role.SURVEYOR, Role.PLANNER, Role.REGISTRAR, Role.ADMIN)


def names_for(reader: Principal | None, body: dict[str, Any]) -> dict[str, Any]:
    """Blank the staff accounts (who ran a detection, who checked a patch) unless the caller
    is platform staff: the public and bidders see what was found, not which login found it."""
    if reader is not None and reader.role in STAFF_NAMES:
        return body
    if "created_by" in body:
        body["created_by"] = ""
    patches = body.get("patches", body)
    for feature in patches.get("features", [patches] if "properties" in patches else []):
        feature["properties"]["checked_by"] = ""
    return body
