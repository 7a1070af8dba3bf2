"""An inspector's field check of change patches (卫片执法): a photo counts as evidence only
with a GPS position within the tolerance of its patch and a time on or after the imagery's
date; else that check is refused with a reason and the patch stays as it was."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.cadastre.field.conftest import (
    Headers,
    checkout,
    findings,
    photo,
    register_state,
    some_codes,
    upload,
    zip_folder,
)
from tests.cadastre.field.qfield import edit

HALF = 0.0001  # degrees: patches about 20 m across
RASTER_SQL = """
INSERT INTO raster (name, path, driver, acquired_on, crs, width, height, band_count, dtype,
    res_x, res_y, bands, native_bbox, size_bytes, footprint)
VALUES (:n, :p, 'GTiff', :d, 'EPSG:4490', 10, 10, 3, 'uint8', 1, 1, '[]', '[0,0,1,1]', 1,
    ST_MakeEnvelope(113, 22, 115, 24, 4490))
RETURNING id
"""
PATCH_SQL = """
INSERT INTO change_patch (run_id, area_m2, mean_change, direction, zones, parcels, verdict,
    geom)
VALUES (:r, 400, -0.4, 'decrease', '[]', '[]', 'suspected_illegal',
    ST_Multi(ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4490)))
RETURNING id
"""
CENTRE_SQL = (
    "SELECT ST_AsGeoJSON(ST_PointOnSurface(geom)) FROM parcel "
    "WHERE unit_code = :c AND end_lifespan IS NULL"
)


def plant_patches(db: Session, centres: list[tuple[float, float]], imagery: str) -> list[int]:
    """A change run between two catalogued rasters (the later acquired on ``imagery``) with
    one pending patch around each centre: what change detection leaves for inspectors."""
    ids = []
    for name, day in (("before", "2025-06-01"), ("after", imagery)):
        ids.append(
            db.execute(
                text(RASTER_SQL),
                {"n": name, "p": f"test/{uuid.uuid4().hex}.tif", "d": day},
            ).scalar_one()
        )
    run = db.execute(
        text(
            "INSERT INTO change_run (before_id, after_id, method, threshold, min_area_m2, grid) "
            "VALUES (:a, :b, 'ndvi', 0.2, 100, '{}') RETURNING id"
        ),
        {"a": ids[0], "b": ids[1]},
    ).scalar_one()
    out = []
    for x, y in centres:
        out.append(
            db.execute(
                text(PATCH_SQL),
                {"r": run, "x0": x - HALF, "y0": y - HALF, "x1": x + HALF, "y1": y + HALF},
            ).scalar_one()
        )
    db.flush()
    return out


def test_inspector_checks_patches_and_photos_outside_or_too_early_are_refused(
    field_client: TestClient, db: Session, auth: Headers, tmp_path: Path
) -> None:
    before = findings(db)
    codes = some_codes(db, 3)
    centres = [
        tuple(
            json.loads(
                db.execute(
                    text(CENTRE_SQL),
                    {"c": c},
                ).scalar_one()
            )["coordinates"]
        )
        for c in codes
    ]
    good, far, early = plant_patches(db, centres, imagery="2026-10-15")  # type: ignore[arg-type]
    inspector = auth("inspector")
    result, gpkg = checkout(field_client, inspector, tmp_path, patch_ids=[good, far, early])
    assert result["change_patches"] == 3
    dcim = gpkg.parent / "DCIM"
    (gx, gy), (fx, fy), (ex, ey) = centres
    photo(dcim / "good.jpg", gx + 0.00005, gy, "2026:11:20 10:00:00")
    photo(dcim / "far.jpg", fx + 0.005, fy, "2026:11:20 10:05:00")  # about 500 m east
    photo(dcim / "early.jpg", ex, ey, "2026:09:01 10:00:00")  # before the imagery
    edit(
        gpkg,
        [
            {
                "op": "set",
                "layer": "change_patches",
                "where": f"patch_id = {pid}",
                "values": {
                    "status": "confirmed",
                    "note": "现场已建厂房 a shed was built",
                    "photo": f"DCIM/{name}.jpg",
                },
            }
            for pid, name in ((good, "good"), (far, "far"), (early, "early"))
        ]
        + [  # parcels are read only for an inspector: refused, not applied
            {
                "op": "set",
                "layer": "parcels",
                "where": f"unit_code = '{codes[0]}'",
                "values": {"land_use": "0603"},
            }
        ],
    )
    state = register_state(db)
    r = upload(
        field_client, inspector, result["package_id"], zip_folder(gpkg.parent.parent), "patches.zip"
    )
    assert r.status_code == 200, r.text
    report = r.json()
    assert [o["key"] for o in report["applied"]] == [str(good)], (
        report["refused"],
        report["conflicts"],
        report["already_synced"],
    )
    refused = {o["key"]: o for o in report["refused"]}
    assert set(refused) == {str(far), str(early), codes[0]}
    assert "只读" in refused[codes[0]]["zh"] and "read only" in refused[codes[0]]["en"]
    project = (gpkg.parent / (gpkg.stem + ".qgs")).read_text(encoding="utf-8")
    assert '<field name="land_use" editable="0"/>' in project
    assert "超过容差" in refused[str(far)]["zh"] and "tolerance" in refused[str(far)]["en"]
    assert "早于影像日期" in refused[str(early)]["zh"]
    assert "before the imagery" in refused[str(early)]["en"]
    rows = dict(
        db.execute(
            text("SELECT id, status FROM change_patch WHERE id = ANY(:i)"),
            {"i": [good, far, early]},
        ).all()
    )
    assert rows == {good: "confirmed", far: "pending", early: "pending"}
    photo_path = db.execute(
        text("SELECT photo FROM change_patch WHERE id = :i"), {"i": good}
    ).scalar_one()
    assert photo_path.startswith("change_photos/")
    assert register_state(db)["checked"] == state["checked"] + 1
    assert findings(db) == before


def test_a_surveyor_gets_no_patches_and_cannot_check_them_out(
    field_client: TestClient, db: Session, auth: Headers, tmp_path: Path
) -> None:
    (code,) = some_codes(db, 1)
    centre = json.loads(
        db.execute(
            text(CENTRE_SQL),
            {"c": code},
        ).scalar_one()
    )["coordinates"]
    plant_patches(db, [tuple(centre)], imagery="2026-10-15")  # type: ignore[list-item]
    result, _ = checkout(field_client, auth("surveyor"), tmp_path, unit_codes=[code])
    assert result["change_patches"] == 0


def patch_conflict(
    client: TestClient, db: Session, auth: Headers, tmp_path: Path
) -> tuple[int, dict[str, str], str, dict[str, Any]]:
    """An inspector checks a patch out, another inspector checks it on the server meanwhile
    (dismissed), the first confirms it in the field with a geotagged photo and checks in:
    (patch id, the first inspector's headers, package id, the sync report)."""
    from gis.auth.service import add_user, issue_token

    (code,) = some_codes(db, 1)
    x, y = json.loads(db.execute(text(CENTRE_SQL), {"c": code}).scalar_one())["coordinates"]
    (pid,) = plant_patches(db, [(x, y)], imagery="2026-10-15")
    mine_user = auth("inspector")
    other = {"Authorization": "Bearer " + issue_token(
        add_user(db, "test-inspector-2", "correct horse battery", "inspector"))}  # fmt: skip
    result, gpkg = checkout(client, mine_user, tmp_path, patch_ids=[pid])
    r = client.patch(
        f"/api/v1/change-patches/{pid}",
        data={"status": "dismissed", "note": "已批准 approved"},
        headers=other,
    )
    assert r.status_code == 200, r.text
    photo(gpkg.parent / "DCIM" / "p.jpg", x, y, "2026:11:21 08:00:00")
    edit(gpkg, [{"op": "set", "layer": "change_patches", "where": f"patch_id = {pid}",
                 "values": {"status": "confirmed", "note": "违法建设 illegal building",
                            "photo": "DCIM/p.jpg"}}])  # fmt: skip
    report = upload(client, mine_user, result["package_id"],
                    zip_folder(gpkg.parent.parent), "p.zip").json()  # fmt: skip
    return pid, mine_user, result["package_id"], report


def test_a_patch_checked_by_another_inspector_meanwhile_is_a_conflict_photo_kept(
    field_client: TestClient, db: Session, auth: Headers, tmp_path: Path
) -> None:
    pid, mine_user, package_id, report = patch_conflict(field_client, db, auth, tmp_path)
    assert [c["key"] for c in report["conflicts"]] == [str(pid)], report
    status = db.execute(text("SELECT status FROM change_patch WHERE id = :i"), {"i": pid})
    assert status.scalar_one() == "dismissed"  # the other inspector's check stands
    (conflict,) = field_client.get(f"/api/v1/field/packages/{package_id}/conflicts",
                                   headers=mine_user).json()  # fmt: skip
    assert conflict["mine"]["photo_saved"].startswith("change_photos/")  # the photo is kept
    assert conflict["theirs"]["values"]["status"] == "dismissed"
    url = f"/api/v1/field/conflicts/{conflict['id']}/resolve"
    assert (
        field_client.post(url, json={"take": "mine"}, headers=auth("registrar")).status_code == 403
    )
    done = field_client.post(url, json={"take": "mine"}, headers=mine_user)
    assert done.status_code == 200, done.text
    row = db.execute(text("SELECT status, photo FROM change_patch WHERE id = :i"), {"i": pid}).one()
    assert row.status == "confirmed" and row.photo == conflict["mine"]["photo_saved"]
