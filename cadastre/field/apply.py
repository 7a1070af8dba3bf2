"""Applying one field change through the register's normal edit paths: land use by a
parcel change (ETag checked, topology, journal, tile change log); a moved boundary as a
survey record (accuracy classes, linked to the parcel) and, for a registered parcel, a
boundary-correction registration case instead of an edit; a patch's field check and an
observation only with photo evidence that passes :mod:`cadastre.field.evidence`.

Each function flushes (the sync's transaction commits) and raises a
:class:`~cadastre.field.evidence.Refusal` or a domain error to refuse the change.
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path
from typing import Any

import shapely
from sqlalchemy.orm import Session

from cadastre.exchange.service import open_case_from_survey
from cadastre.field import evidence
from cadastre.field import repository as repo
from cadastre.field.diff import RowChange, UnitEdit, same_shape
from cadastre.field.models import FieldObservation
from cadastre.field.reader import Upload
from cadastre.parcels import service as parcels
from cadastre.survey_port import CadastreParcelLookup
from gis import landuse
from gis.raster import changes as patch_service
from gis.raster.uploads import save_photo
from gis.settings import get_settings
from gis.store import discard
from gis.survey.service import SurveyMeta, import_survey

Refusal = evidence.Refusal


def apply_unit(session: Session, e: UnitEdit, actor: str, package_id: str) -> list[dict[str, Any]]:
    """Apply what the field did to one parcel; returns what was done."""
    if e.deleted:
        raise Refusal(
            "注销宗地须办理注销登记，外业包中不能删除宗地",
            "retiring a parcel needs a cancellation case; a field package cannot delete one",
        )
    current = repo.parcel_current(session, e.unit_code)
    assert current is not None
    version = e.base_version  # the ETag the field's change was made against, never a re-read
    done: list[dict[str, Any]] = []
    if e.land_use is not None:
        result = parcels.change(
            session, e.unit_code, if_match=[version], actor=actor, land_use=e.land_use
        )
        version = result.opened[0].etag
        done.append(
            {
                "what": "land_use",
                "zh": f"地类改为 {e.land_use}",
                "en": f"land use changed to {e.land_use}",
            }
        )
        current = repo.parcel_current(session, e.unit_code)
        assert current is not None
    if e.geometry is not None:
        survey_id = _survey(session, e, actor, package_id)
        done.append(
            {
                "what": "survey",
                "survey_id": survey_id,
                "zh": f"界址点测量成果 {survey_id}",
                "en": f"boundary points kept as survey {survey_id}",
            }
        )
        if current["reg_status"] == "registered":
            case = open_case_from_survey(
                session,
                survey_id,
                "boundary_correction",
                None,
                actor,
                note=f"外业包 {package_id} 界址点移动 boundary points moved in the field",
            )
            done.append(
                {
                    "what": "case",
                    "case_number": case["case_number"],
                    "zh": f"已登记宗地界址变化：开立更正登记案件 {case['case_number']}",
                    "en": f"a registered boundary changed: correction case "
                    f"{case['case_number']} opened (not edited)",
                }
            )
        else:
            parcels.change(
                session,
                e.unit_code,
                if_match=[version],
                actor=actor,
                geometry=shapely.geometry.mapping(e.geometry),
            )
            done.append(
                {
                    "what": "geometry",
                    "zh": "未登记宗地边界已更新",
                    "en": "the unregistered parcel's boundary was updated",
                }
            )
    return done


def apply_new_parcel(
    session: Session, ch: RowChange, actor: str, package_id: str
) -> list[dict[str, Any]]:
    """A parcel drawn in the field: a survey of its vertices and a first-registration case
    (the register gets the parcel when the case is entered, never from the field)."""
    row = ch.row or {}
    geom = row.get("geom")
    if (
        geom is None
        or len(shapely.get_parts(geom)) != 1
        or geom.geom_type not in ("Polygon", "MultiPolygon")
    ):
        raise Refusal("新宗地须为一个多边形", "a new parcel must be one polygon")
    land_use = landuse.check(str(row.get("land_use") or ""))
    edit = UnitEdit("", "", geometry=shapely.MultiPolygon(shapely.get_parts(geom)))
    survey_id = _survey(session, edit, actor, package_id)
    case = open_case_from_survey(
        session,
        survey_id,
        "new_parcel",
        land_use,
        actor,
        note=f"外业包 {package_id} 新宗地 new parcel drawn in the field",
    )
    return [
        {
            "what": "survey",
            "survey_id": survey_id,
            "zh": f"新宗地测量成果 {survey_id}",
            "en": f"new parcel kept as survey {survey_id}",
        },
        {
            "what": "case",
            "case_number": case["case_number"],
            "zh": f"已开立首次登记案件 {case['case_number']}",
            "en": f"first-registration case {case['case_number']} opened",
        },
    ]


def _survey(session: Session, e: UnitEdit, actor: str, package_id: str) -> int:
    """The moved boundary as a survey record (CSV of 界址点 through the survey importer)."""
    assert e.geometry is not None
    points = e.points or [
        {"name": f"J{i + 1}", "lon": x, "lat": y, "class": None, "precision": None}
        for i, (x, y) in enumerate(list(shapely.get_parts(e.geometry)[0].exterior.coords)[:-1])
    ]
    if len(shapely.get_parts(e.geometry)) > 1:
        raise Refusal(
            "多部分宗地的界址移动须到窗口办理",
            "boundary moves of a multi-part parcel are not taken from the field",
        )
    with tempfile.TemporaryDirectory(prefix="landgis-field-") as tmp:
        path = Path(tmp) / f"field_{package_id}_{e.unit_code or 'new'}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["点号", "经度", "纬度", "精度", "等级"])
            for p in points:
                w.writerow(
                    [
                        p["name"],
                        f"{p['lon']:.9f}",
                        f"{p['lat']:.9f}",
                        "" if p["precision"] is None else p["precision"],
                        "" if p["class"] is None else int(p["class"]),
                    ]
                )
        meta = SurveyMeta(surveyor=actor, instrument="field package", unit_code=e.unit_code or None)
        survey = import_survey(session, path, path.name, meta, actor, CadastreParcelLookup())
    return int(survey.id)


def _photo_facts(upload: Upload, relative: str) -> tuple[Path, evidence.PhotoFacts]:
    path = upload.photo(relative)
    if path is None:
        raise Refusal(f"照片 {relative} 不在上传中", f"the photo {relative} is not in the upload")
    return path, evidence.read_photo(path)


def _blob_facts(upload: Upload, ch: RowChange) -> tuple[Path, evidence.PhotoFacts]:
    """A photo kept inside the GeoPackage (the row's ``photo_data`` BLOB)."""
    assert ch.row is not None
    try:
        path = upload.blob_photo(ch.key, bytes(ch.row["photo_data"]))
    except ValueError as exc:
        raise Refusal("照片数据不是图像", f"the photo data is {exc}") from None
    return path, evidence.read_photo(path)


def apply_patch(session: Session, ch: RowChange, upload: Upload, actor: str) -> dict[str, Any]:
    """A patch's field check (status, note, photo evidence)."""
    if ch.kind != "changed" or ch.row is None or ch.base is None:
        raise Refusal(
            "变化图斑只能核查，不能在外业新增或删除",
            "change patches are checked in the field, not added or deleted",
        )
    current = repo.patch_current(session, int(ch.key))
    assert current is not None
    if (
        ch.row.get("geom") is not None
        and ch.base["geom"]
        and not same_shape(ch.row["geom"], shapely.from_wkb(ch.base["geom"]))
    ):
        raise Refusal(
            "变化图斑的范围不能在外业修改", "a change patch's outline cannot be edited in the field"
        )
    saved = patch_photo(session, ch, upload, current)
    try:
        patch_service.field_check(
            session,
            int(ch.key),
            str(ch.row.get("status") or "pending"),
            str(ch.row.get("note") or ""),
            saved,
            actor,
        )
    except BaseException:
        if saved:
            discard(saved)  # the photo's object, in whichever store it went
        raise
    return {
        "what": "field_check",
        "photo": saved,
        "zh": f"图斑 {ch.key} 核查已记录",
        "en": f"field check of patch {ch.key} recorded",
    }


def patch_photo(session: Session, ch: RowChange, upload: Upload, current: dict[str, Any]) -> str:
    """A new photo of a patch row, checked as evidence and stored; its path under
    the store ("" when the row names no new photo). Refusal when it fails the checks."""
    assert ch.row is not None and ch.base is not None
    relative = str(ch.row.get("photo") or "")
    if not relative or relative == ch.base["values"]["photo"]:
        return ""
    path, facts = _photo_facts(upload, relative)
    if facts.lon is None or facts.lat is None:
        raise Refusal("照片没有 GPS 位置", "the photo carries no GPS position (EXIF)")
    far = repo.within_m(session, facts.lon, facts.lat, current["wkb"].hex(), 0)
    evidence.check_distance(far, get_settings().field_photo_tolerance_m, "图斑", "patch")
    evidence.check_time(facts, current["acquired_on"], None)
    with path.open("rb") as f:
        return save_photo(f, path.name)


def apply_observation(
    session: Session, ch: RowChange, upload: Upload, actor: str, package_id: str
) -> dict[str, Any]:
    """A point observed in the field, with its photo accepted as evidence."""
    row = ch.row
    if ch.kind != "added" or row is None:
        raise Refusal(
            "已提交的观测不能修改或删除",
            "an observation already checked in cannot be changed or deleted",
        )
    point = row.get("geom")
    if point is None or point.geom_type != "Point":
        raise Refusal("观测须有点位", "an observation needs a point")
    note, relative = str(row.get("note") or ""), str(row.get("photo") or "")
    blob = row.get("photo_data")
    if not note.strip() and not relative and not blob:
        raise Refusal("观测须有说明或照片", "an observation needs a note or a photo")
    patch = repo.patch_current(session, int(row["patch_id"])) if row.get("patch_id") else None
    if row.get("patch_id") and patch is None:
        raise Refusal(f"没有变化图斑 {row['patch_id']}", f"no change patch {row['patch_id']}")
    taken, saved = None, ""
    if relative or blob:
        path, facts = _photo_facts(upload, relative) if relative else _blob_facts(upload, ch)
        lon, lat = (facts.lon, facts.lat) if facts.lon is not None else (point.x, point.y)
        target, zh, en = _target(session, row, patch, point)
        far = repo.within_m(session, lon, lat, target, 0)  # type: ignore[arg-type]
        evidence.check_distance(far, get_settings().field_photo_tolerance_m, zh, en)
        taken = evidence.check_time(
            facts, patch["acquired_on"] if patch else None, row.get("taken_at")
        )
        with path.open("rb") as f:
            saved = save_photo(f, path.name)
    session.add(
        FieldObservation(
            package_id=package_id,
            row_key=ch.key,
            observer=actor,
            unit_code=row.get("unit_code"),
            patch_id=int(row["patch_id"]) if row.get("patch_id") else None,
            note=note.strip(),
            photo=saved,
            taken_at=taken,
            geom=f"SRID=4490;{point.wkt}",
        )
    )
    session.flush()
    return {"what": "observation", "photo": saved, "zh": "现场观测已保存", "en": "observation kept"}


def _target(
    session: Session, row: dict[str, Any], patch: dict[str, Any] | None, point: Any
) -> tuple[str, str, str]:
    """What the photo must be near: its patch, else its parcel, else its own point."""
    if patch is not None:
        return patch["wkb"].hex(), "图斑", "patch"
    if row.get("unit_code"):
        parcel = repo.parcel_current(session, str(row["unit_code"]))
        if parcel is None:
            raise Refusal(f"没有宗地 {row['unit_code']}", f"no parcel {row['unit_code']}")
        return parcel["wkb"].hex(), "宗地", "parcel"
    return str(shapely.to_wkb(point, hex=True)), "观测点", "observed point"
