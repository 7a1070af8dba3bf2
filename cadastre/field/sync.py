"""Check-in of a field package: read the whole upload first (a corrupt one changes
nothing), diff it against the rows the server kept at checkout, then handle each change
in a savepoint of the caller's one transaction:

* the row changed on the server since checkout -> a **conflict**, both versions kept,
  nothing overwritten (resolved later: take mine / take theirs);
* else applied through the normal edit paths (:mod:`cadastre.field.apply`), or refused
  with a reason when a rule says no (the savepoint rolls back only that change).

Applied rows advance the package's kept rows, and every handled change goes into the
ledger, so the same upload twice changes nothing the second time.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import shapely
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from cadastre.field import apply, diff, reader
from cadastre.field import repository as repo
from cadastre.field.diff import RowChange, UnitEdit
from cadastre.field.models import FieldChange, FieldConflict, FieldPackage, FieldSync
from cadastre.field.service import package_for
from gis.auth.roles import Role
from gis.auth.service import Principal
from gis.db import transaction
from gis.errors import InvalidInput, LandgisError, PreconditionFailed

INSPECTOR_ZH = "执法监察员的外业包中宗地和界址点只读"
INSPECTOR_EN = "parcels and boundary points are read only in an inspector's package"


class Run:
    """One sync in progress: the package, its kept rows and the report being written."""

    def __init__(self, session: Session, pkg: FieldPackage, sync: FieldSync, upload: reader.Upload):
        self.session, self.pkg, self.sync, self.upload = session, pkg, sync, upload
        self.snapshot: dict[str, Any] = copy.deepcopy(pkg.rows)
        self.seen = set(
            session.execute(
                select(
                    FieldChange.layer,
                    FieldChange.row_key,
                    FieldChange.base_version,
                    FieldChange.digest,
                ).where(FieldChange.package_id == pkg.id)
            ).all()
        )
        self.report: dict[str, Any] = {
            "applied": [],
            "conflicts": [],
            "refused": [],
            "already_synced": 0,
        }

    def fresh(self, rows: list[RowChange]) -> list[RowChange]:
        """The changes not handled by an earlier sync (counting the others)."""
        out = [r for r in rows if (r.layer, r.key, _base(r), r.digest) not in self.seen]
        self.report["already_synced"] += len(rows) - len(out)
        return out

    def ledger(self, rows: list[RowChange], outcome: str, detail: dict[str, Any]) -> None:
        for r in rows:
            base = _base(r)
            self.session.execute(
                insert(FieldChange)
                .values(
                    package_id=self.pkg.id,
                    layer=r.layer,
                    row_key=r.key,
                    base_version=base,
                    digest=r.digest,
                    outcome=outcome,
                    detail=detail,
                    sync_id=self.sync.id,
                )
                .on_conflict_do_nothing()
            )

    def outcome(self, kind: str, layer: str, key: str, zh: str, en: str, **more: Any) -> None:
        self.report[kind].append({"layer": layer, "key": key, "zh": zh, "en": en, **more})


def _base(r: RowChange) -> str:
    """The version a change was made against ("" for a new row)."""
    return str((r.base or {}).get("version", ""))


def sync(
    session: Session, package_id: str, who: Principal, path: Path, sha256: str, workdir: Path
) -> dict[str, Any]:
    """Check in an uploaded package (flushes; the caller's transaction commits)."""
    pkg = package_for(session, package_id, who, lock=True)
    upload = reader.unpack(path, workdir)
    if str(upload.manifest.get("package_id")) != package_id:
        raise InvalidInput(
            "上传的外业包不是这个包；the upload is another package's (manifest package_id differs)",
            field="file",
        )
    layers = {name: reader.rows(upload, name) for name in reader.LAYERS}
    record = FieldSync(package_id=package_id, actor=who.username, sha256=sha256, report={})
    session.add(record)
    session.flush()
    run = Run(session, pkg, record, upload)
    snap = run.snapshot
    parcels = run.fresh(diff.changes("parcels", snap["parcels"], layers["parcels"]))
    points = run.fresh(
        diff.changes("boundary_points", snap["boundary_points"], layers["boundary_points"])
    )
    added = [ch for ch in parcels if ch.kind == "added"]
    parcels = [ch for ch in parcels if ch.kind != "added"]
    units, refused = diff.unit_edits(parcels, points, layers["boundary_points"], snap)
    if who.role == Role.INSPECTOR:  # parcels are read only in an inspector's package
        refused += [(ch, INSPECTOR_ZH, INSPECTOR_EN) for u in units for ch in u.rows]
        units = []
        refused += [(ch, INSPECTOR_ZH, INSPECTOR_EN) for ch in added]
        added = []
    for ch, zh, en in refused:
        run.outcome("refused", ch.layer, ch.key, zh, en)
        run.ledger([ch], "refused", {"zh": zh, "en": en})
    for unit in units:
        _unit(run, unit, layers, who)
    for ch in added:
        _new_parcel(run, ch, who)
    for ch in run.fresh(
        diff.changes("change_patches", snap["change_patches"], layers["change_patches"])
    ):
        _patch(run, ch, who)
    for ch in run.fresh(diff.changes("observations", snap["observations"], layers["observations"])):
        _observation(run, ch, who)
    pkg.rows = run.snapshot
    flag_modified(pkg, "rows")
    report = _finish(run, package_id, sha256)
    record.report = report
    session.flush()
    return report


def _unit(run: Run, e: UnitEdit, layers: dict[str, list[dict[str, Any]]], who: Principal) -> None:
    current = repo.parcel_current(run.session, e.unit_code)
    if current is None or current["version"] != e.base_version:
        _unit_conflict(run, e, current)
        return
    try:
        with transaction(run.session):
            done = apply.apply_unit(run.session, e, who.username, run.pkg.id)
    except PreconditionFailed:  # edited by someone else between our read and the row lock
        _unit_conflict(run, e, repo.parcel_current(run.session, e.unit_code))
        return
    except (apply.Refusal, LandgisError) as exc:
        zh, en = _reason(exc)
        run.outcome("refused", "parcels", e.unit_code, zh, en)
        run.ledger(e.rows, "refused", {"zh": zh, "en": en})
        return
    run.outcome(
        "applied",
        "parcels",
        e.unit_code,
        "；".join(d["zh"] for d in done),
        "; ".join(d["en"] for d in done),
        detail=done,
    )
    run.ledger(e.rows, "applied", {"done": done})
    advance_unit(run.session, run.snapshot, e.unit_code, layers)


def _unit_conflict(run: Run, e: UnitEdit, current: dict[str, Any] | None) -> None:
    """Keep both versions of a parcel changed on the server since checkout."""
    cid = keep_conflict(
        run.session,
        run.pkg.id,
        "parcels",
        e.unit_code,
        e.base_version,
        unit_mine(e, run.snapshot),
        unit_theirs(current),
    )
    run.outcome(
        "conflicts",
        "parcels",
        e.unit_code,
        "宗地在签出后已在服务器上被修改：两个版本均已保留，待处理",
        "the parcel changed on the server since checkout: both versions kept for resolution",
        conflict_id=cid,
    )
    run.ledger(e.rows, "conflict", {"conflict_id": cid})


def advance_unit(
    session: Session, snap: dict[str, Any], code: str, layers: dict[str, list[dict[str, Any]]]
) -> None:
    """After a parcel's changes were applied: its kept rows become what the field sent."""
    now = repo.parcel_current(session, code)
    version = now["version"] if now else snap["parcels"][code]["version"]
    row = next((r for r in layers["parcels"] if r.get("unit_code") == code), None)
    old = snap["parcels"][code]
    snap["parcels"][code] = (
        diff.entry(row, "parcels", version) if row else {**old, "version": version}
    )
    points = snap["boundary_points"]
    for key in [k for k in points if k.startswith(f"{code}/")]:
        del points[key]
    for r in layers["boundary_points"]:
        if r.get("unit_code") == code:  # an added point stays keyed "new/<fid>", as diffed
            key = str(r["point_key"]) if r.get("point_key") else f"new/{r['fid']}"
            points[key] = diff.entry(r, "boundary_points", version)


def _patch(run: Run, ch: RowChange, who: Principal) -> None:
    current = repo.patch_current(run.session, int(ch.key)) if ch.key.isdigit() else None
    if ch.base is not None and (current is None or current["version"] != ch.base["version"]):
        cid = keep_conflict(
            run.session,
            run.pkg.id,
            "change_patches",
            ch.key,
            ch.base["version"],
            patch_mine(ch) | _conflict_photo(run, ch, current),
            patch_theirs(current),
        )
        run.outcome(
            "conflicts",
            ch.layer,
            ch.key,
            "图斑在签出后已被他人核查：两个版本均已保留，待处理",
            "the patch was checked by someone else since checkout: both versions "
            "kept for resolution",
            conflict_id=cid,
        )
        run.ledger([ch], "conflict", {"conflict_id": cid})
        return
    try:
        with transaction(run.session):
            done = apply.apply_patch(run.session, ch, run.upload, who.username)
    except (apply.Refusal, LandgisError) as exc:
        zh, en = _reason(exc)
        run.outcome("refused", ch.layer, ch.key, zh, en)
        run.ledger([ch], "refused", {"zh": zh, "en": en})
        return
    run.outcome("applied", ch.layer, ch.key, done["zh"], done["en"], detail=[done])
    run.ledger([ch], "applied", {"done": [done]})
    now = repo.patch_current(run.session, int(ch.key))
    assert now is not None and ch.row is not None
    run.snapshot["change_patches"][ch.key] = diff.entry(ch.row, "change_patches", now["version"])


def _new_parcel(run: Run, ch: RowChange, who: Principal) -> None:
    try:
        with transaction(run.session):
            done = apply.apply_new_parcel(run.session, ch, who.username, run.pkg.id)
    except (apply.Refusal, LandgisError) as exc:
        zh, en = _reason(exc)
        run.outcome("refused", ch.layer, ch.key, zh, en)
        run.ledger([ch], "refused", {"zh": zh, "en": en})
        return
    run.outcome(
        "applied",
        ch.layer,
        ch.key,
        "；".join(d["zh"] for d in done),
        "; ".join(d["en"] for d in done),
        detail=done,
    )
    run.ledger([ch], "applied", {"done": done})
    assert ch.row is not None
    run.snapshot["parcels"][ch.key] = diff.entry(ch.row, "parcels", "new")


def _conflict_photo(run: Run, ch: RowChange, current: dict[str, Any] | None) -> dict[str, Any]:
    """A conflicting patch row's photo is not lost: checked as evidence and kept now
    (``photo_saved``, used when the field's version is taken), or its refusal noted."""
    if current is None or ch.row is None:
        return {}
    try:
        return {"photo_saved": apply.patch_photo(run.session, ch, run.upload, current)}
    except (apply.Refusal, LandgisError) as exc:
        zh, en = _reason(exc)
        return {"photo_refused": {"zh": zh, "en": en}}


def _observation(run: Run, ch: RowChange, who: Principal) -> None:
    try:
        with transaction(run.session):
            done = apply.apply_observation(run.session, ch, run.upload, who.username, run.pkg.id)
    except (apply.Refusal, LandgisError) as exc:
        zh, en = _reason(exc)
        run.outcome("refused", ch.layer, ch.key, zh, en)
        run.ledger([ch], "refused", {"zh": zh, "en": en})
        return
    run.outcome("applied", ch.layer, ch.key, done["zh"], done["en"], detail=[done])
    run.ledger([ch], "applied", {"done": [done]})
    assert ch.row is not None
    run.snapshot["observations"][ch.key] = diff.entry(ch.row, "observations", "1")


def _reason(exc: Exception) -> tuple[str, str]:
    if isinstance(exc, apply.Refusal):
        return exc.zh, exc.en
    detail = str(getattr(exc, "detail", exc))
    zh, sep, en = detail.partition("；")
    return (zh, en) if sep else (detail, detail)


def _finish(run: Run, package_id: str, sha256: str) -> dict[str, Any]:
    r = run.report
    a, c, f, s = len(r["applied"]), len(r["conflicts"]), len(r["refused"]), r["already_synced"]
    return {
        "package_id": package_id,
        "sync_id": run.sync.id,
        "sha256": sha256,
        **r,
        "summary_zh": f"已应用 {a} 项，冲突 {c} 项，拒绝 {f} 项，此前已同步 {s} 项",
        "summary_en": f"{a} applied, {c} conflicts kept, {f} refused, {s} already synced",
    }


def _geojson(geom: shapely.Geometry | None) -> dict[str, Any] | None:
    return shapely.geometry.mapping(geom) if geom is not None else None


def unit_mine(e: UnitEdit, snap: dict[str, Any]) -> dict[str, Any]:
    """The field's version of a parcel, and the checked-out one it started from."""
    base = snap["parcels"][e.unit_code]
    return {
        "values": {"land_use": e.land_use or base["values"]["land_use"]},
        "geometry": _geojson(e.geometry),
        "points": e.points,
        "deleted": e.deleted,
        "land_use_changed": e.land_use is not None,
        "base": {"values": base["values"], "geometry": _geojson(diff.from_hex(base["geom"]))},
    }


def unit_theirs(current: dict[str, Any] | None) -> dict[str, Any]:
    if current is None:
        return {"retired": True, "values": {}, "geometry": None}
    return {
        "values": {"land_use": current["land_use"], "reg_status": current["reg_status"]},
        "geometry": _geojson(shapely.from_wkb(current["wkb"])),
        "version": current["version"],
    }


def patch_mine(ch: RowChange) -> dict[str, Any]:
    row = ch.row or {}
    values = {k: row.get(k) for k in ("status", "note", "photo")}
    return {"values": values, "geometry": _geojson(row.get("geom")), "deleted": ch.row is None}


def patch_theirs(current: dict[str, Any] | None) -> dict[str, Any]:
    if current is None:
        return {"retired": True, "values": {}, "geometry": None}
    return {
        "values": {k: current[k] for k in ("status", "note", "photo")},
        "geometry": _geojson(shapely.from_wkb(current["wkb"])),
        "version": current["version"],
    }


def keep_conflict(
    session: Session,
    package_id: str,
    layer: str,
    key: str,
    base: str,
    mine: dict[str, Any],
    theirs: dict[str, Any],
) -> int:
    row = FieldConflict(
        package_id=package_id,
        layer=layer,
        row_key=key,
        base_version=base,
        mine=mine,
        theirs=theirs,
        status="open",
        result={},
    )
    session.add(row)
    session.flush()
    return int(row.id)
