"""A row changed on the server between checkout and check-in is a conflict: both versions
kept (API and a page drawing both), nothing overwritten; a registrar resolves it (take
mine applies the field's version now, take theirs keeps the server's), once."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.cadastre.field.conftest import (
    Headers,
    checkout,
    findings,
    register_state,
    some_codes,
    upload,
)
from tests.cadastre.field.qfield import edit
from tests.cadastre.field.test_sync import inward, parcel


def server_change(client: TestClient, registrar: dict[str, str], code: str, use: str) -> None:
    """A registrar edits the parcel through the API (read, then PATCH with If-Match)."""
    etag = client.get(f"/api/v1/parcels/{code}").headers["ETag"]
    r = client.patch(f"/api/v1/parcels/{code}", json={"land_use": use},
                     headers={**registrar, "If-Match": etag})  # fmt: skip
    assert r.status_code == 200, r.text


def test_server_edit_between_checkout_and_checkin_is_kept_as_a_conflict(
    field_client: TestClient, db: Session, auth: Headers, tmp_path: Path
) -> None:
    before = findings(db)
    a, b = some_codes(db, 2)
    surveyor, registrar = auth("surveyor"), auth("registrar")
    result, gpkg = checkout(field_client, surveyor, tmp_path, unit_codes=[a, b])
    server_change(field_client, registrar, a, "0901")
    server_change(field_client, registrar, b, "0901")
    where, x, y = inward(gpkg, b)
    edit(gpkg, [
        {"op": "set", "layer": "parcels", "where": f"unit_code = '{a}'",
         "values": {"land_use": "0603"}},
        {"op": "set", "layer": "boundary_points", "where": where, "wkt": f"POINT ({x} {y})"},
    ])  # fmt: skip
    state = register_state(db)
    r = upload(field_client, surveyor, result["package_id"], gpkg.read_bytes(), "p.gpkg")
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["applied"] == [] and report["refused"] == []
    assert sorted(c["key"] for c in report["conflicts"]) == sorted([a, b])
    assert parcel(db, a).land_use == "0901"  # the server's edit is not overwritten
    assert register_state(db)["parcel_versions"] == state["parcel_versions"]
    assert register_state(db)["cases"] == state["cases"]

    listed = field_client.get(f"/api/v1/field/packages/{result['package_id']}/conflicts",
                              headers=surveyor).json()  # fmt: skip
    mine_a = next(c for c in listed if c["key"] == a)
    assert mine_a["mine"]["values"]["land_use"] == "0603"
    assert mine_a["theirs"]["values"]["land_use"] == "0901"
    mine_b = next(c for c in listed if c["key"] == b)
    assert mine_b["mine"]["geometry"]["type"] == "MultiPolygon"
    assert mine_b["theirs"]["geometry"] != mine_b["mine"]["geometry"]

    stored = field_client.get(f"/api/v1/field/syncs/{report['sync_id']}", headers=surveyor)
    assert stored.json() == report
    assert (
        field_client.get(
            f"/api/v1/field/syncs/{report['sync_id']}", headers=auth("bidder")
        ).status_code
        == 404
    )
    page = field_client.get(f"/api/v1/field/syncs/{report['sync_id']}/page", headers=registrar)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    for c in listed:  # each conflict drawn: the field's and the server's version
        section = page.text.split(f'id="conflict-{c["id"]}"')[1].split("</section>")[0]
        svg = ET.fromstring(section[section.index("<svg") : section.index("</svg>") + 6])
        classes = {p.get("class") for p in svg.iter("{http://www.w3.org/2000/svg}path")} | {
            p.get("class") for p in svg.iter("path")
        }
        assert {"mine", "theirs"} <= classes

    # the same upload again: the conflicts are not duplicated
    again = upload(field_client, surveyor, result["package_id"], gpkg.read_bytes(), "p.gpkg")
    assert again.json()["conflicts"] == [] and again.json()["already_synced"] >= 2
    assert db.execute(text("SELECT count(*) FROM field_conflict WHERE package_id = :p"),
                      {"p": result["package_id"]}).scalar_one() == 2  # fmt: skip

    url = f"/api/v1/field/conflicts/{mine_a['id']}/resolve"
    assert field_client.post(url, json={"take": "mine"}, headers=surveyor).status_code == 403
    done = field_client.post(url, json={"take": "mine"}, headers=registrar)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "mine" and parcel(db, a).land_use == "0603"
    assert field_client.post(url, json={"take": "theirs"}, headers=registrar).status_code == 409
    url_b = f"/api/v1/field/conflicts/{mine_b['id']}/resolve"
    kept = parcel(db, b)
    assert field_client.post(url_b, json={"take": "theirs"}, headers=registrar).status_code == 200
    assert parcel(db, b) == kept
    assert findings(db) == before
