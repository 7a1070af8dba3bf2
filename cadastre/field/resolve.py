"""Resolving a kept conflict: take theirs (the server's version stays, the package's kept
row follows it) or take mine (the field's version is applied now, through the same edit
paths as a sync, on top of the server's current version) or merge (a version put
together by hand from both, validated and applied through the same edit paths: a new
boundary of a registered parcel becomes a survey and a correction case, never an edit).
Registrars resolve parcels, inspectors patches; an admin either."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import shapely
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from cadastre.field import apply
from cadastre.field import repository as repo
from cadastre.field.diff import UnitEdit, same_shape
from cadastre.field.models import FieldChange, FieldConflict, FieldPackage
from cadastre.field.schemas import Merged
from cadastre.field.service import parse_polygon
from gis import landuse
from gis.auth.roles import Role
from gis.auth.service import Principal
from gis.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from gis.raster import changes as patch_service

RESOLVERS = {"parcels": Role.REGISTRAR, "change_patches": Role.INSPECTOR}


def get(session: Session, conflict_id: int, lock: bool = False) -> FieldConflict:
    query = select(FieldConflict).where(FieldConflict.id == conflict_id)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise NotFound(f"没有冲突 {conflict_id}；no conflict {conflict_id}", field="conflict_id")
    return row


def public(c: FieldConflict) -> dict[str, Any]:
    return {
        "id": c.id,
        "package_id": c.package_id,
        "layer": c.layer,
        "key": c.row_key,
        "base_version": c.base_version,
        "mine": c.mine,
        "theirs": c.theirs,
        "status": c.status,
        "resolved_by": c.resolved_by,
        "result": c.result,
    }


def of_package(session: Session, package_id: str) -> list[FieldConflict]:
    query = select(FieldConflict).where(FieldConflict.package_id == package_id)
    return list(session.scalars(query.order_by(FieldConflict.id)))


def resolve(
    session: Session, conflict_id: int, take: str, who: Principal, merged: Merged | None = None
) -> dict[str, Any]:
    """Resolve an open conflict (flushes; the caller commits); ``merged`` is the
    hand-made version when ``take`` is "merge"."""
    if (take == "merge") != (merged is not None):
        raise InvalidInput(
            "合并须给出合并后的版本（仅合并时给出）；give merged exactly when take is merge",
            field="merged",
        )
    c = get(session, conflict_id, lock=True)
    if who.role not in (RESOLVERS[c.layer], Role.ADMIN):
        raise PermissionDenied(
            f"只有{'登记员' if c.layer == 'parcels' else '执法监察员'}可以处理此冲突；"
            f"only a {RESOLVERS[c.layer].value} resolves this conflict",
            field="conflict_id",
        )
    if c.status != "open":
        raise Conflict(
            f"冲突 {c.id} 已处理（{c.status}）；conflict {c.id} is already resolved",
            field="conflict_id",
        )
    pkg = session.get(FieldPackage, c.package_id, with_for_update=True)
    assert pkg is not None
    result: dict[str, Any] = {}
    if take == "mine":
        result = _take_mine(session, c, who, pkg.owner)
    elif merged is not None:
        result = _merge(session, c, who, merged)
    c.status, c.resolved_by, c.resolved_at = take, who.username, datetime.now(UTC)
    c.result = result
    _follow_server(session, pkg, c)
    session.flush()
    return public(c)


def _take_mine(session: Session, c: FieldConflict, who: Principal, owner: str) -> dict[str, Any]:
    """Apply the field's version on top of the server's current one."""
    if c.mine.get("deleted"):
        raise Conflict(
            "外业删除不能直接采用；a deletion in the field cannot be taken as is", field="take"
        )
    if c.layer == "parcels":
        current = repo.parcel_current(session, c.row_key)
        if current is None:
            raise Conflict(f"宗地 {c.row_key} 已注销；parcel {c.row_key} was retired", field="take")
        geom = shapely.geometry.shape(c.mine["geometry"]) if c.mine.get("geometry") else None
        edit = UnitEdit(
            c.row_key,
            current["version"],
            land_use=c.mine["values"]["land_use"] if c.mine.get("land_use_changed") else None,
            geometry=geom,
            points=c.mine.get("points") or [],
        )
        return {"done": apply.apply_unit(session, edit, who.username, c.package_id)}
    values = c.mine["values"]
    status, note = str(values.get("status") or "pending"), str(values.get("note") or "")
    photo = str(c.mine.get("photo_saved") or "")
    patch_service.field_check(session, int(c.row_key), status, note, photo, who.username)
    return {"done": [{"what": "field_check", "status": status, "photo": photo}]}


def _merge(session: Session, c: FieldConflict, who: Principal, m: Merged) -> dict[str, Any]:
    """Apply the hand-made version on top of the server's current one (what equals the
    server's is left alone); ``result["merged"]`` keeps it for the conflict page."""
    if c.layer != "parcels":
        return _merge_patch(session, c, who, m)
    if m.status is not None or m.note is not None or m.photo is not None:
        raise InvalidInput(
            "宗地只合并地类和边界；a parcel merges land_use and geometry", field="merged"
        )
    current = repo.parcel_current(session, c.row_key)
    if current is None:
        raise Conflict(f"宗地 {c.row_key} 已注销；parcel {c.row_key} was retired", field="take")
    use = landuse.check(m.land_use, "merged.land_use") if m.land_use else None
    server = shapely.from_wkb(current["wkb"])
    geom = None
    if m.geometry is not None:
        geom = shapely.from_wkb(parse_polygon(session, m.geometry, "merged.geometry"))
        geom = shapely.MultiPolygon(shapely.get_parts(geom))
    edit = UnitEdit(
        c.row_key,
        current["version"],
        land_use=use if use != current["land_use"] else None,
        geometry=None if geom is None or same_shape(geom, server) else geom,
    )
    try:
        done = apply.apply_unit(session, edit, who.username, c.package_id)
    except apply.Refusal as exc:
        raise InvalidInput(f"{exc.zh}；{exc.en}", field="merged.geometry") from None
    shown = {"land_use": use or current["land_use"]}
    drawn = shapely.geometry.mapping(geom if geom is not None else server)
    return {"done": done, "merged": {"values": shown, "geometry": drawn}}


def _merge_patch(session: Session, c: FieldConflict, who: Principal, m: Merged) -> dict[str, Any]:
    """A patch's field check put together from both: status, note, and whose photo."""
    if m.land_use is not None or m.geometry is not None:
        raise InvalidInput("图斑只合并核查结果；a patch merges status, note, photo", field="merged")
    theirs = c.theirs.get("values", {})
    status = m.status or str(theirs.get("status") or "pending")
    note = m.note if m.note is not None else str(theirs.get("note") or "")
    photo = ""
    if m.photo == "mine":
        photo = str(c.mine.get("photo_saved") or "")
        if not photo:
            raise InvalidInput(
                "外业照片未被采纳，不能选用；the field's photo was not kept as evidence",
                field="merged.photo",
            )
    try:
        patch_service.field_check(session, int(c.row_key), status, note, photo, who.username)
    except InvalidInput as exc:
        raise InvalidInput(exc.detail, field=f"merged.{exc.field}") from None
    values = {"status": status, "note": note, "photo": photo or theirs.get("photo", "")}
    return {
        "done": [{"what": "field_check", "status": status, "photo": photo}],
        "merged": {"values": values, "geometry": c.theirs.get("geometry")},
    }


def _follow_server(session: Session, pkg: FieldPackage, c: FieldConflict) -> None:
    """The package's kept row takes the server's version now, so a later upload of the
    same field row is not a conflict again (the ledger already knows it)."""
    rows = pkg.rows
    kept = rows.get(c.layer, {}).get(c.row_key)
    if kept is None:
        return
    if c.layer == "parcels":
        now = repo.parcel_current(session, c.row_key)
    else:
        now = repo.patch_current(session, int(c.row_key))
    if now is not None:
        kept["version"] = now["version"]
        if c.layer == "parcels":
            for key, point in rows.get("boundary_points", {}).items():
                if key.startswith(f"{c.row_key}/"):
                    point["version"] = now["version"]
    flag_modified(pkg, "rows")
    _remember(session, c, now["version"] if now else c.base_version)


def _remember(session: Session, c: FieldConflict, version: str) -> None:
    """The conflict's field rows count as handled against the server's version too, so
    the same (stale) upload sent again does not re-apply what was resolved."""
    rows = session.scalars(
        select(FieldChange).where(
            FieldChange.package_id == c.package_id,
            FieldChange.detail["conflict_id"].as_integer() == c.id,
        )
    ).all()
    for r in rows:
        session.execute(
            insert(FieldChange)
            .values(
                package_id=r.package_id,
                layer=r.layer,
                row_key=r.row_key,
                base_version=version,
                digest=r.digest,
                outcome=f"resolved_{c.status}",
                detail=r.detail,
                sync_id=r.sync_id,
            )
            .on_conflict_do_nothing()
        )
