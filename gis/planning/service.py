"""Planning rules: editions, zone import from files, approval files, compliance requests.

Nothing here commits: the entry point (router, CLI command) opens ``transaction(session)``.
Activation lives in gis/planning/activation.py (complete editions only, journaled).
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import shape
from sqlalchemy.orm import Session

from gis import landuse
from gis.collections import Catalog
from gis.errors import InvalidInput, NotFound
from gis.exchange.read import iter_frames, locate_dataset, open_source
from gis.limits import check_geometry
from gis.planning import compliance, repository
from gis.planning.models import LAYERS
from gis.planning.schemas import BatchItem, ComplianceRequest, EditionCreate, ImportResult
from gis.settings import get_settings
from gis.store import discard, keep_copy

PARCELS_COLLECTION = "parcels"


def geometry_of(
    session: Session,
    catalog: Catalog,
    geometry: Any,
    unit_code: str | None,
    field: str = "geometry",
) -> Any:
    """The shapely geometry (EPSG:4490) to check: the GeoJSON given or the current parcel's."""
    if (geometry is None) == (unit_code is None):
        raise InvalidInput("give either geometry or unit_code, not both or neither", field=field)
    if unit_code is not None:
        c = catalog.get(PARCELS_COLLECTION)
        wkb = repository.current_geometry_wkb(
            session, c.table, c.id_column, c.where or "TRUE", unit_code
        )
        if wkb is None:
            raise NotFound(f"no current parcel {unit_code}", field="unit_code")
        return shapely.from_wkb(wkb)
    check_geometry(geometry, field, session, within=catalog.get(PARCELS_COLLECTION))
    try:
        return shape(geometry)
    except Exception:
        raise InvalidInput("geometry is not a GeoJSON geometry", field=field) from None


def check(
    session: Session, catalog: Catalog, req: ComplianceRequest
) -> compliance.ComplianceResult:
    landuse.check(req.proposed_land_use, field="proposed_land_use")
    geom = geometry_of(session, catalog, req.geometry, req.unit_code)
    return compliance.check(session, geom, req.proposed_land_use, req.edition_id)


def check_batch(
    session: Session, catalog: Catalog, items: list[BatchItem], edition_id: int | None
) -> dict[str, Any]:
    """Every item checked; a bad item is reported in place (field and detail), not fatal."""
    results: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        label = item.id or str(i)
        try:
            landuse.check(item.proposed_land_use, field="proposed_land_use")
            geom = geometry_of(
                session, catalog, item.geometry, item.unit_code, f"items.{i}.geometry"
            )
            res = compliance.check(session, geom, item.proposed_land_use, edition_id)
            results.append({"id": label, **res.as_dict()})
        except (InvalidInput, NotFound) as exc:
            results.append(
                {
                    "id": label,
                    "verdict": "error",
                    "field": f"items.{i}.{exc.field}",
                    "detail": exc.detail,
                }
            )
    counts = {
        v: sum(1 for r in results if r["verdict"] == v) for v in ("compliant", "conflict", "error")
    }
    return {"results": results, "summary": counts}


def create_edition(session: Session, data: EditionCreate) -> int:
    """Register an edition (not in force) with its approval reference, if known yet."""
    return repository.insert_edition(
        session, data.name, data.approved_on, data.document, data.approval_authority
    )


APPROVAL_SUFFIXES = frozenset({".pdf", ".ofd", ".jpg", ".jpeg", ".png", ".tif", ".tiff"})


def attach_approval(session: Session, edition: int, upload: Path, filename: str) -> str:
    """Keep the approval document of ``edition`` in the store (``planning/<sha256><ext>``)
    and record it on the edition; returns the digest."""
    repository.edition_for_check(session, edition)
    suffix = Path(filename).suffix.lower()
    if suffix not in APPROVAL_SUFFIXES:
        raise InvalidInput(
            f"批准文件应为 {', '.join(sorted(APPROVAL_SUFFIXES))}；the approval document must "
            f"be one of {', '.join(sorted(APPROVAL_SUFFIXES))}",
            field="file",
        )
    digest = hashlib.sha256(upload.read_bytes()).hexdigest()
    key = approval_key(digest, suffix)
    name = Path(filename).name
    if len(name) > 200:  # the suffix stays: the key is found again from the name
        name = name[: 200 - len(suffix)] + suffix
    written = keep_copy(upload, key)
    try:
        repository.set_approval_file(session, edition, name, digest)
    except BaseException:
        if written:  # no edition names it
            discard(key)
        raise
    return digest


def approval_key(digest: str, suffix: str) -> str:
    """The store key of an approval document with this content."""
    return f"planning/{digest}{suffix}"


def approval_file(session: Session, edition: int) -> tuple[str, str]:
    """(store key, file name) of the approval document of ``edition``; NotFound if none."""
    row = repository.edition_row(session, edition)
    if row is None:
        raise NotFound(f"no plan edition {edition}", field="edition_id")
    if not row.approval_file_sha256:
        raise NotFound(
            f"规划版本 {edition} 没有批准文件；edition {edition} has no approval document",
            field="edition_id",
        )
    name = row.approval_file_name or "approval"
    return approval_key(row.approval_file_sha256, Path(name).suffix.lower()), name


def check_layer(layer: str) -> str:
    if layer not in LAYERS:
        raise InvalidInput(f"unknown layer {layer!r}; one of {', '.join(LAYERS)}", field="layer")
    return layer


def _rows(
    frame: Any, layer: str, code_field: str, name_field: str, start: int
) -> list[tuple[str, str, bytes]]:
    if layer == "zoning" and code_field not in frame.columns:
        raise InvalidInput(f"the file has no field {code_field!r}", field="code_field")
    rows = []
    for i, (geom, rec) in enumerate(zip(frame.geometry, frame.to_dict("records"), strict=True)):
        where = f"feature {start + i + 1}"
        if geom is None or geom.geom_type not in ("Polygon", "MultiPolygon") or not geom.is_valid:
            raise InvalidInput(f"{where}: needs a valid polygon", field="file")
        code = str(rec.get(code_field) or "") if code_field in frame.columns else ""
        if layer == "zoning":
            landuse.check(code, field="code_field")
        name = str(rec.get(name_field) or "") if name_field in frame.columns else ""
        rows.append((code, name[:200], bytes(geom.wkb)))
    return rows


def import_zones(
    session: Session,
    edition: int,
    layer: str,
    source: Path,
    crs: int | None = None,
    code_field: str = "code",
    name_field: str = "name",
    replace: bool = True,
) -> ImportResult:
    """Load a layer of ``edition`` from a vector file; all or nothing (the caller's
    transaction rolls back on any error)."""
    check_layer(layer)
    repository.edition_for_check(session, edition)
    settings = get_settings()
    with tempfile.TemporaryDirectory(
        dir=settings.files_dir if settings.files_dir.exists() else None
    ) as work:
        src = open_source(locate_dataset(source, Path(work), settings.upload_max_bytes), crs)
        replaced = repository.delete_layer(session, edition, layer) if replace else 0
        count = 0
        for frame in iter_frames(src):  # an error aborts the caller's transaction: all or nothing
            for code, name, wkb in _rows(frame, layer, code_field, name_field, count):
                repository.insert_zone(session, edition, layer, code, name, wkb)
                count += 1
    return ImportResult(edition_id=edition, layer=layer, imported=count, replaced=replaced)


def zones_geojson(session: Session, edition: int, layer: str) -> str:
    check_layer(layer)
    repository.edition_for_check(session, edition)
    return repository.zones_geojson(session, layer, edition)
