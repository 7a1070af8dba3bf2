"""Parcels edited through /ogc (OGC API Features Part 4) go through ParcelEditor's rules."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.cadastre.parcels.conftest import snapshot, touching_pair

PATCH = "application/merge-patch+json"


def test_ogc_patch_with_etag_roles_and_stale_tag(
    client: TestClient, auth: Any, db: Session
) -> None:
    code, _ = touching_pair(db, 6)
    url = f"/ogc/collections/parcels/items/{code}"
    tag = client.get(url).headers["ETag"]
    assert tag == client.get(f"/api/v1/parcels/{code}").headers["ETag"]
    ok = client.patch(
        url,
        json={"properties": {"land_use": "0805"}},
        headers={**auth("registrar"), "If-Match": tag, "Content-Type": PATCH},
    )
    assert ok.status_code == 204 and ok.headers["ETag"] != tag
    before = snapshot(db)
    stale = client.patch(
        url,
        json={"properties": {"land_use": "0806"}},
        headers={**auth("registrar"), "If-Match": tag, "Content-Type": PATCH},
    )
    assert stale.status_code == 412 and stale.json()["field"] == "If-Match"
    surveyor = client.patch(
        url,
        json={"properties": {"land_use": "0806"}},
        headers={**auth("surveyor"), "If-Match": ok.headers["ETag"], "Content-Type": PATCH},
    )
    assert surveyor.status_code == 403
    assert snapshot(db) == before
    assert client.get(f"/api/v1/parcels/{code}").json()["properties"]["land_use"]["code"] == "0805"
