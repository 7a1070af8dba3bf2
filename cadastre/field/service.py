"""Field packages: check out an area (a job writing the GeoPackage, the QGIS project and a
zip of both) and remember every row's version on the server. Knows nothing of HTTP; the
entry points (router, CLI, job runner) open the transaction."""

from __future__ import annotations

import shutil
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from cadastre.collections import PARCELS
from cadastre.field import diff, qgs, writer
from cadastre.field import repository as repo
from cadastre.field.models import FieldPackage
from gis import limits
from gis.auth.models import User
from gis.auth.roles import Role
from gis.auth.service import Principal
from gis.errors import InvalidInput, NotFound, PermissionDenied
from gis.jobs.store import Job
from gis.limits import check_text
from gis.settings import get_settings

FIELD_ROLES = (Role.SURVEYOR, Role.INSPECTOR)


@dataclass
class CheckoutRequest:
    """Exactly one of: a (Multi)Polygon GeoJSON in EPSG:4490, unit codes, patch ids."""

    polygon: dict[str, Any] | None = None
    unit_codes: list[str] | None = None
    patch_ids: list[int] | None = None


def area_of(session: Session, req: CheckoutRequest, role: str) -> str:
    """The package's area (hex EWKB), checked: one kind of input, within the size limit."""
    given = [x for x in (req.polygon, req.unit_codes, req.patch_ids) if x]
    if len(given) != 1:
        raise InvalidInput(
            "请给出范围、单元号或图斑之一；give one of polygon, unit_codes, patch_ids",
            field="polygon",
        )
    if req.patch_ids and role != Role.INSPECTOR:
        raise PermissionDenied(
            "只有执法监察员可按图斑签出；only inspectors check out patches", field="patch_ids"
        )
    if req.polygon:
        area = repo.area_from_wkb(session, parse_polygon(session, req.polygon))
    elif req.unit_codes:
        for i, code in enumerate(req.unit_codes):
            check_text(code, f"unit_codes.{i}")
        area = repo.area_of_codes(session, req.unit_codes)  # type: ignore[assignment]
    else:
        area = repo.area_of_patches(session, req.patch_ids or [])  # type: ignore[assignment]
    if not area:
        raise NotFound("范围内没有宗地或图斑；nothing found for the package", field="polygon")
    limit = get_settings().field_max_parcels
    if not req.unit_codes and repo.count_parcels(session, area) > limit:
        raise InvalidInput(
            f"范围内宗地超过 {limit} 宗；more than {limit} parcels in the area", field="polygon"
        )
    return area


def parse_polygon(session: Session, geojson: dict[str, Any], field: str = "polygon") -> bytes:
    """A user's (Multi)Polygon (GeoJSON, EPSG:4490 lon/lat) checked by the house's geometry
    limits and parsed here, never by PostGIS, so bad input is a 422 naming ``field``;
    returns its WKB."""
    if not isinstance(geojson, dict) or geojson.get("type") not in ("Polygon", "MultiPolygon"):
        raise InvalidInput("须为多边形；the geometry must be a Polygon", field=field)
    limits.check_geometry(geojson, field, session, within=PARCELS)
    try:
        geom = shapely.geometry.shape(geojson)
    except Exception as exc:  # noqa: BLE001 - any parse failure is the caller's input
        raise InvalidInput(
            f"多边形无法解析；the polygon cannot be read ({exc})", field=field
        ) from None
    if geom.is_empty or not bool(shapely.is_valid_input(geom)):
        raise InvalidInput("多边形为空；the polygon is empty", field=field)
    return bytes(shapely.to_wkb(geom))


def checkout_work(req: CheckoutRequest, who: Principal):  # type: ignore[no-untyped-def]
    """The job body of a checkout: the package's files in a fresh folder (scratch),
    zipped; the zip goes to the store for download."""

    def work(session: Session, job: Job) -> dict[str, Any]:
        folder = Path(tempfile.mkdtemp(prefix="landgis-field-"))
        try:
            result = build(session, req, who, folder, job)
            job.keep_file(Path(result.pop("zip_path")))  # the download, for any server process
        finally:
            shutil.rmtree(folder, ignore_errors=True)  # scratch, also when the build fails
        return result

    return work


def build(
    session: Session, req: CheckoutRequest, who: Principal, folder: Path, job: Job | None = None
) -> dict[str, Any]:
    """Write the package (gpkg, .qgs, DCIM/) into ``folder`` and zip it; record the rows."""
    area = area_of(session, req, who.role)
    package_id = uuid.uuid4().hex
    rows = _rows(session, area, req, who, package_id)
    name = f"field_{package_id[:12]}"
    pkg = folder / name
    (pkg / "DCIM").mkdir(parents=True)
    if job:
        job.progress(1, 3, "geopackage")
    writer.write(rows, pkg / f"{name}.gpkg")
    editable = who.role != Role.INSPECTOR
    qgs.write_project(pkg / f"{name}.qgs", f"{name}.gpkg", f"外业包 field package {name}", editable)
    if job:
        job.progress(2, 3, "zip")
    zip_path = folder / f"{name}.zip"
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(pkg.rglob("*")):
            z.write(path, path.relative_to(folder))
    session.add(
        FieldPackage(
            id=package_id,
            owner=who.username,
            role=str(who.role),
            rows=_snapshot(rows),
            area=f"SRID=4490;{rows.area.wkt}",
            created_at=rows.created_at,
        )
    )
    session.flush()
    return {
        "package_id": package_id,
        "parcels": len(rows.parcels),
        "boundary_points": len(rows.points),
        "plan_zones": len(rows.zones),
        "change_patches": len(rows.patches),
        "gpkg": f"{name}/{name}.gpkg",
        "qgs": f"{name}/{name}.qgs",
        "zip_path": str(zip_path),
        "bytes": zip_path.stat().st_size,
    }


def _rows(
    session: Session, area: str, req: CheckoutRequest, who: Principal, package_id: str
) -> writer.PackageRows:
    parcels = repo.parcels(session, area, req.unit_codes)
    for p in parcels:
        p["geom"] = shapely.from_wkb(p.pop("wkb"))
    patches = repo.patches(session, area, req.patch_ids) if who.role == Role.INSPECTOR else []
    zones = repo.plan_zones(session, area)
    for r in (*patches, *zones):
        r["geom"] = shapely.from_wkb(r.pop("wkb"))
    return writer.PackageRows(
        package_id,
        who.username,
        str(who.role),
        datetime.now(UTC),
        parcels,
        writer.boundary_points(parcels),
        zones,
        patches,
        shapely.from_wkb(area),
    )


def _snapshot(rows: writer.PackageRows) -> dict[str, Any]:
    """What the server keeps of the checkout: per layer and key, version, values, geometry."""
    parcels = {p["unit_code"]: diff.entry(p, "parcels", p["version"]) for p in rows.parcels}
    points = {
        p["point_key"]: diff.entry(p, "boundary_points", p["_row_version"]) for p in rows.points
    }
    patches = {
        str(c["id"]): diff.entry({**c, "photo": ""}, "change_patches", c["version"])
        for c in rows.patches
    }
    return {
        "parcels": parcels,
        "boundary_points": points,
        "change_patches": patches,
        "observations": {},
    }


def package_for(
    session: Session, package_id: str, who: Principal, lock: bool = False
) -> FieldPackage:
    """The package if ``who`` checked it out (or is admin); else NotFound."""
    query = select(FieldPackage).where(FieldPackage.id == package_id)
    pkg = session.scalar(query.with_for_update() if lock else query)
    if pkg is None or (pkg.owner != who.username and who.role != Role.ADMIN):
        raise NotFound(
            f"没有外业包 {package_id}；no field package {package_id}", field="package_id"
        )
    return pkg


def field_user(session: Session, username: str) -> Principal:
    """The active surveyor or inspector named on the command line."""
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None or user.role not in FIELD_ROLES:
        raise PermissionDenied(
            f"{username!r} 不是在职的测绘员或执法监察员；is not an active surveyor or inspector",
            field="as",
        )
    return Principal(user.id, user.username, Role(user.role))


def remove_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
