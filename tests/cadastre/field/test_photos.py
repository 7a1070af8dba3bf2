"""Photos taken in the field (QField keeps them in DCIM/ beside the project and a relative
path in the row): checked in with the zipped folder, kept in the project's store with
their EXIF (GPS position and time written by GDAL here, not by landgis), checked by the
evidence rule, and downloadable afterwards by staff and the package's owner only."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from cadastre.field import evidence
from gis.store import get_store
from tests.cadastre.field.conftest import Headers, checkout, some_codes, upload, zip_folder
from tests.cadastre.field.qfield import edit, gdal_photo
from tests.cadastre.field.test_patches import CENTRE_SQL, plant_patches


def _parcel_and_centre(db: Session) -> tuple[str, float, float]:
    """A registered parcel's unit code and a point inside it (lon, lat)."""
    (code,) = some_codes(db, 1)
    x, y = json.loads(db.execute(text(CENTRE_SQL), {"c": code}).scalar_one())["coordinates"]
    return code, x, y


def test_observation_photos_are_kept_with_their_exif_and_downloadable_by_staff(
    field_client: TestClient, db: Session, auth: Headers, tmp_path: Path
) -> None:
    code, x, y = _parcel_and_centre(db)
    surveyor = auth("surveyor")
    result, gpkg = checkout(field_client, surveyor, tmp_path, unit_codes=[code])
    dcim = gpkg.parent / "DCIM"
    gdal_photo(dcim / "IMG_0001.jpg", x, y, "2026:11:30 09:15:00")
    gdal_photo(dcim / "IMG_0002.jpg", x + 0.01, y, "2026:11:30 09:20:00")  # about 1 km east
    facts = evidence.read_photo(dcim / "IMG_0001.jpg")  # what GDAL wrote is read back
    assert abs(facts.lon - x) < 1e-6 and abs(facts.lat - y) < 1e-6  # type: ignore[operator]
    edit(gpkg, [
        {"op": "add", "layer": "observations", "wkt": f"POINT ({x} {y})",
         "values": {"unit_code": code, "note": "新建棚房 new shed", "photo": "DCIM/IMG_0001.jpg"}},
        {"op": "add", "layer": "observations", "wkt": f"POINT ({x} {y})",
         "values": {"unit_code": code, "note": "远处 far", "photo": "DCIM/IMG_0002.jpg"}},
    ])  # fmt: skip
    r = upload(
        field_client, surveyor, result["package_id"], zip_folder(gpkg.parent.parent), "p.zip"
    )
    assert r.status_code == 200, r.text
    report = r.json()
    assert [o["layer"] for o in report["applied"]] == ["observations"]
    (far,) = report["refused"]
    assert "beyond the tolerance" in far["en"] and "超过容差" in far["zh"]

    url = f"/api/v1/field/packages/{result['package_id']}/observations"
    assert field_client.get(url, headers=auth("bidder")).status_code == 404
    (obs,) = field_client.get(url, headers=auth("registrar")).json()
    assert obs["note"] == "新建棚房 new shed" and obs["taken_at"].startswith("2026-11-30T09:15:00")
    key = db.execute(
        text("SELECT photo FROM field_observation WHERE id = :i"), {"i": obs["id"]}
    ).scalar_one()
    assert get_store().exists(key)  # in the project's store, not in the upload's temp folder
    for who in ("registrar", "inspector", "surveyor"):
        got = field_client.get(obs["photo_url"], headers=auth(who))
        assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
        assert got.content == (dcim / "IMG_0001.jpg").read_bytes()  # as taken, EXIF kept
    assert field_client.get(obs["photo_url"], headers=auth("bidder")).status_code == 404
    assert field_client.get(obs["photo_url"]).status_code == 401


def test_a_patch_photo_checked_in_is_the_patch_evidence_downloadable_as_taken(
    field_client: TestClient, db: Session, auth: Headers, tmp_path: Path
) -> None:
    code, x, y = _parcel_and_centre(db)
    (pid,) = plant_patches(db, [(x, y)], imagery="2026-10-15")
    inspector = auth("inspector")
    result, gpkg = checkout(field_client, inspector, tmp_path, patch_ids=[pid])
    taken = gpkg.parent / "DCIM" / "patch.jpg"
    gdal_photo(taken, x + 0.00003, y, "2026:11:21 08:00:00")
    edit(gpkg, [{"op": "set", "layer": "change_patches", "where": f"patch_id = {pid}",
                 "values": {"status": "confirmed", "note": "违法建设 illegal building",
                            "photo": "DCIM/patch.jpg"}}])  # fmt: skip
    r = upload(
        field_client, inspector, result["package_id"], zip_folder(gpkg.parent.parent), "p.zip"
    )
    assert [o["key"] for o in r.json()["applied"]] == [str(pid)], r.text
    got = field_client.get(f"/api/v1/change-patches/{pid}/photo", headers=auth("registrar"))
    assert got.status_code == 200 and got.content == taken.read_bytes()


def test_a_photo_stored_inside_the_geopackage_is_kept_and_a_non_image_refused(
    field_client: TestClient, db: Session, auth: Headers, tmp_path: Path
) -> None:
    code, x, y = _parcel_and_centre(db)
    surveyor = auth("surveyor")
    result, gpkg = checkout(field_client, surveyor, tmp_path, unit_codes=[code])
    taken = tmp_path / "camera" / "blob.jpg"  # not in the package folder: only in the BLOB
    gdal_photo(taken, x, y, "2026:11:30 10:00:00")
    edit(gpkg, [
        {"op": "add", "layer": "observations", "wkt": f"POINT ({x} {y})",
         "values": {"unit_code": code, "note": "内嵌照片 embedded photo"},
         "blobs": {"photo_data": taken.read_bytes().hex()}},
        {"op": "add", "layer": "observations", "wkt": f"POINT ({x} {y})",
         "values": {"unit_code": code, "note": "坏数据 bad data"},
         "blobs": {"photo_data": b"not an image at all".hex()}},
    ])  # fmt: skip
    r = upload(field_client, surveyor, result["package_id"], gpkg.read_bytes(), "p.gpkg")
    assert r.status_code == 200, r.text
    assert [o["key"] for o in r.json()["applied"]] == ["new/1"], r.text
    (bad,) = r.json()["refused"]
    assert bad["key"] == "new/2" and "not a JPEG, PNG or WebP" in bad["en"]
    url = f"/api/v1/field/packages/{result['package_id']}/observations"
    (obs,) = field_client.get(url, headers=surveyor).json()
    assert obs["taken_at"].startswith("2026-11-30T10:00:00")  # the EXIF time inside the BLOB
    got = field_client.get(obs["photo_url"], headers=auth("registrar"))
    assert got.status_code == 200 and got.content == taken.read_bytes()
    again = upload(field_client, surveyor, result["package_id"], gpkg.read_bytes(), "p.gpkg")
    assert again.json()["applied"] == [] and again.json()["refused"] == []
