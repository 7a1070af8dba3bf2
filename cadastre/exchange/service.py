"""The exchange services: import and export jobs, and the survey -> registration case hand-off."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import shapely
from sqlalchemy.orm import Session

from cadastre import handoff
from cadastre.exchange.exporter import export_parcels
from cadastre.exchange.importer import ImportOptions, import_parcels
from cadastre.exchange.jobs import Job
from cadastre.survey_port import CadastreParcelLookup
from gis.auth.roles import Role
from gis.auth.service import Principal
from gis.collections import Collection
from gis.errors import InvalidInput, PermissionDenied
from gis.exchange.formats import writable_format
from gis.exchange.layers import export_collection
from gis.settings import get_settings
from gis.store import key_of
from gis.survey import repository as survey_repo
from gis.survey.report import survey_or_404, survey_report


def parse_mapping(raw: str | None) -> dict[str, str] | None:
    """The column mapping JSON object (target field -> source column)."""
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"the mapping is not JSON: {exc}", field="mapping") from None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise InvalidInput("the mapping must be an object of field -> column", field="mapping")
    return value


def import_work(path: Path, options: ImportOptions):  # type: ignore[no-untyped-def]
    """The job body of an import of the file at ``path`` (kept in the job's workdir)."""

    def work(session: Session, job: Job) -> dict[str, Any]:
        assert job.workdir is not None
        try:
            result = import_parcels(
                session, path, job.workdir, options, get_settings().upload_max_bytes, job.progress
            )
        finally:
            rejected = job.workdir / "rejected_rows.csv"
            path.unlink(missing_ok=True)  # the upload; the rejected rows go to the store
            if rejected.exists():
                job.keep_file(rejected)
            shutil.rmtree(job.workdir / "src", ignore_errors=True)
        return {
            "read": result.read,
            "imported": result.imported,
            "rejected": result.rejected,
            "reasons": result.reasons,
        }

    return work


def check_layer_access(c: Collection, principal: Principal) -> None:
    """A collection may be exported by anyone who may read it."""
    if not c.public and principal.role not in c.read_roles and principal.role != Role.ADMIN:
        raise PermissionDenied(f"role {principal.role} may not read {c.id}", field="layer")


def export_work(fmt: str, srid: int, zone: str | None, layer: Collection | None = None):  # type: ignore[no-untyped-def]
    """The job body of an export: written in a fresh temporary folder (scratch), then
    put in the store for download."""
    spec = writable_format(fmt)

    def work(session: Session, job: Job) -> dict[str, Any]:
        folder = Path(tempfile.mkdtemp(prefix="landgis-export-"))
        try:
            dest = folder / f"{layer.id if layer else 'parcels'}{spec.suffix}"
            if layer:
                count = export_collection(session, layer, fmt, dest, srid)
            else:
                count = export_parcels(session, fmt, dest, srid, zone, progress=job.progress)
            size = dest.stat().st_size
            job.keep_file(dest)  # any server process answers the download, not only this one
        finally:
            shutil.rmtree(folder, ignore_errors=True)  # scratch, also when the export fails
        return {"features": count, "format": fmt, "crs": f"EPSG:{srid}", "bytes": size}

    return work


CASE_KINDS = {"new_parcel": "first_registration", "boundary_correction": "correction"}


def open_case_from_survey(
    session: Session,
    survey_id: int,
    kind: str,
    land_use: str | None,
    actor: str,
    note: str = "",
    holders: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Open a registration case from a survey's boundary (flushes; the caller commits)."""
    if kind not in CASE_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(CASE_KINDS)}", field="kind")
    survey = survey_or_404(session, survey_id)
    wkb = survey_repo.boundary_wkb(session, survey_id)
    if wkb is None:
        raise InvalidInput("the survey has no valid boundary polygon", field="survey_id")
    report = survey_report(session, survey_id, CadastreParcelLookup())
    parcel = report["registered_parcel"]
    geometry = shapely.geometry.mapping(shapely.MultiPolygon([shapely.from_wkb(wkb)]))
    source = {
        "kind": "survey_plan",
        "title": f"测量成果 survey {survey_id} ({survey.file_name}, {survey.surveyor})",
        "sha256": survey.sha256,
        "path": key_of(survey.file_path),  # the original in the store, copied to sources/
    }
    if kind == "boundary_correction":
        if parcel is None:
            raise InvalidInput("the survey matches no registered parcel", field="survey_id")
        number = handoff.open_case(
            session, case_type="correction", submitted_by=actor, unit_code=parcel["unit_code"],
            geometry_geojson=geometry, source=source, note=note or "界址更正 boundary correction",
        )  # fmt: skip
    else:
        if not land_use:
            raise InvalidInput("a new parcel needs its land-use class", field="land_use")
        number = handoff.open_case(
            session, case_type="first_registration", submitted_by=actor,
            geometry_geojson=geometry, land_use=land_use, source=source, holders=holders,
            note=note or "新宗地首次登记 new parcel from survey",
        )  # fmt: skip
    return {
        "case_number": number,
        "case_type": CASE_KINDS[kind],
        "survey_id": survey_id,
        "unit_code": parcel["unit_code"] if parcel else None,
        "verdict": report.get("verdict"),
    }
