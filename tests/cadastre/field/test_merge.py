"""Merge by hand: the registrar (parcels) or inspector (patches) puts a version together
from both sides of a kept conflict; it is validated and applied through the normal edit
paths (land-use classes, the geometry limits, topology, a correction case for a
registered boundary), a bad merge is a 422 naming the field and leaves the conflict open,
and the sync page draws the field's, the server's and the merged version."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import shapely
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.cadastre.field.conftest import Headers, checkout, findings, some_codes, upload
from tests.cadastre.field.qfield import edit
from tests.cadastre.field.test_conflicts import server_change
from tests.cadastre.field.test_sync import inward, parcel


def _conflicts(client: TestClient, headers: dict[str, str], package_id: str) -> dict[str, Any]:
    url = f"/api/v1/field/packages/{package_id}/conflicts"
    return {c["key"]: c for c in client.get(url, headers=headers).json()}


def _drawn(page: str, conflict_id: int) -> set[str | None]:
    """The classes of the SVG paths drawn for one conflict on the sync page."""
    section = page.split(f'id="conflict-{conflict_id}"')[1].split("</section>")[0]
    svg = ET.fromstring(section[section.index("<svg") : section.index("</svg>") + 6])
    return {p.get("class") for p in svg.iter() if p.tag.endswith("path") and p.get("d")}


def test_a_registrar_merges_parcel_conflicts_by_hand_through_the_edit_paths(
    field_client: TestClient, db: Session, auth: Headers, tmp_path: Path
) -> None:
    before = findings(db)
    (reg,) = some_codes(db, 1)
    (unreg,) = some_codes(db, 1, "unregistered")
    surveyor, registrar = auth("surveyor"), auth("registrar")
    result, gpkg = checkout(field_client, surveyor, tmp_path, unit_codes=[reg, unreg])
    for code in (reg, unreg):
        server_change(field_client, registrar, code, "0901")
    moves = [inward(gpkg, code) for code in (reg, unreg)]
    edit(gpkg, [
        {"op": "set", "layer": "parcels", "where": f"unit_code = '{reg}'",
         "values": {"land_use": "0603"}},
        *({"op": "set", "layer": "boundary_points", "where": w, "wkt": f"POINT ({x} {y})"}
          for w, x, y in moves),
    ])  # fmt: skip
    report = upload(field_client, surveyor, result["package_id"], gpkg.read_bytes(), "p.gpkg")
    assert sorted(c["key"] for c in report.json()["conflicts"]) == sorted([reg, unreg])
    kept = _conflicts(field_client, surveyor, result["package_id"])
    url = "/api/v1/field/conflicts/{}/resolve"
    u_url, r_url = url.format(kept[unreg]["id"]), url.format(kept[reg]["id"])
    mine_geometry = kept[unreg]["mine"]["geometry"]
    neighbour = db.execute(
        text(
            "SELECT ST_AsGeoJSON(geom)::json FROM parcel b WHERE b.end_lifespan IS NULL "
            "AND b.unit_code <> :c AND ST_Touches(b.geom, (SELECT geom FROM parcel "
            "WHERE unit_code = :c AND end_lifespan IS NULL)) LIMIT 1"
        ),
        {"c": unreg},
    ).scalar_one()
    for body, status, field in (
        ({"take": "merge"}, 422, "merged"),
        ({"take": "theirs", "merged": {"land_use": "0901"}}, 422, "merged"),
        ({"take": "merge", "merged": {"land_use": "99"}}, 422, "merged.land_use"),
        ({"take": "merge", "merged": {"status": "confirmed"}}, 422, "merged"),
        ({"take": "merge", "merged": {"geometry": {"type": "Point", "coordinates": [113, 23]}}},
         422, "merged.geometry"),
        ({"take": "merge", "merged": {"geometry": neighbour}}, None, None),  # overlaps
    ):  # fmt: skip
        r = field_client.post(u_url, json=body, headers=registrar)
        assert r.status_code == (status or r.status_code) and 400 <= r.status_code < 500, r.text
        assert field is None or r.json()["field"] == field, r.json()
    assert field_client.post(u_url, json={"take": "merge", "merged": {"land_use": "0603"}},
                             headers=surveyor).status_code == 403  # fmt: skip
    assert _conflicts(field_client, registrar, result["package_id"])[unreg]["status"] == "open"
    assert parcel(db, unreg).land_use == "0901"  # nothing applied by a refused merge

    # the unregistered parcel: the server's land use with the field's boundary
    old = parcel(db, unreg)
    done = field_client.post(u_url, headers=registrar, json={
        "take": "merge", "merged": {"land_use": "0901", "geometry": mine_geometry}})  # fmt: skip
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "merge"
    now = parcel(db, unreg)
    assert now.land_use == "0901" and now.version == old.version + 1  # one edit: the boundary
    assert shapely.from_wkt(now.wkt).equals(shapely.geometry.shape(mine_geometry))
    # the registered parcel: a hand-made land use and the field's boundary as a case
    merged = {"land_use": "0604", "geometry": kept[reg]["mine"]["geometry"]}
    done = field_client.post(r_url, json={"take": "merge", "merged": merged}, headers=registrar)
    assert done.status_code == 200, done.text
    what = [d["what"] for d in done.json()["result"]["done"]]
    assert what == ["land_use", "survey", "case"]  # a registered boundary: never a silent edit
    assert parcel(db, reg).land_use == "0604"
    assert field_client.post(r_url, json={"take": "theirs"}, headers=registrar).status_code == 409

    page = field_client.get(f"/api/v1/field/syncs/{report.json()['sync_id']}/page",
                            headers=registrar).text  # fmt: skip
    for code in (reg, unreg):
        assert {"mine", "theirs", "merged"} <= _drawn(page, kept[code]["id"])
    assert "0604" in page.split(f'id="conflict-{kept[reg]["id"]}"')[1].split("</section>")[0]
    assert findings(db) == before
    listed = field_client.get("/api/v1/field/syncs", headers=registrar).json()
    assert report.json()["sync_id"] in [s["id"] for s in listed]  # staff: every package's
    assert field_client.get("/api/v1/field/syncs", headers=auth("bidder")).json() == []


def test_an_inspector_merges_a_patch_check_with_the_field_photo(
    field_client: TestClient, db: Session, auth: Headers, tmp_path: Path
) -> None:
    from tests.cadastre.field.test_patches import patch_conflict

    pid, inspector, package_id, _report = patch_conflict(field_client, db, auth, tmp_path)
    (conflict,) = _conflicts(field_client, inspector, package_id).values()
    url = f"/api/v1/field/conflicts/{conflict['id']}/resolve"
    bad = field_client.post(url, headers=inspector,
                            json={"take": "merge", "merged": {"status": "maybe"}})  # fmt: skip
    assert bad.status_code == 422 and bad.json()["field"] == "merged.status"
    note = "部分违法：北侧棚房已批准 partly illegal: the north shed is approved"
    merged = {"status": "confirmed", "note": note, "photo": "mine"}
    done = field_client.post(url, json={"take": "merge", "merged": merged}, headers=inspector)
    assert done.status_code == 200, done.text
    row = db.execute(text("SELECT status, note, photo FROM change_patch WHERE id = :i"),
                     {"i": pid}).one()  # fmt: skip
    assert tuple(row) == ("confirmed", note, conflict["mine"]["photo_saved"])
