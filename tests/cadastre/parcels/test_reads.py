"""Parcel reads: public attributes with zh/en names, ETags, as-of, history, list and paging."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.cadastre.parcels.conftest import etag_of

PUBLIC_KEYS = {
    "unit_code",
    "parcel_code",
    "subzone_code",
    "block_code",
    "land_use",
    "area_m2",
    "reg_status",
    "version",
    "begin_lifespan",
    "end_lifespan",
    "retired",
    "ref_point",
    "etag",
}


def test_read_parcel_public_attributes_and_etag(client: TestClient, pair: tuple[str, str]) -> None:
    r = client.get(f"/api/v1/parcels/{pair[0]}")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/geo+json")
    body = r.json()
    assert body["type"] == "Feature" and body["id"] == pair[0]
    assert body["geometry"]["type"] == "MultiPolygon"
    props = body["properties"]
    assert set(props) == PUBLIC_KEYS
    assert props["land_use"]["zh"] and props["land_use"]["en"]
    assert props["reg_status"] == {
        "code": "unregistered",
        "zh": "未登记",
        "en": "not yet registered",
    }
    assert props["area_m2"] > 0 and props["retired"] is False
    assert r.headers["ETag"] == props["etag"] and r.headers["ETag"].startswith('"')
    again = client.get(f"/api/v1/parcels/{pair[0]}", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304


def test_malformed_and_unknown_codes(client: TestClient) -> None:
    bad = client.get("/api/v1/parcels/441900001002QB00011W00000000")
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["field"] == "unit_code" and "ownership" in bad.json()["detail"]
    missing = client.get("/api/v1/parcels/441900009009GB09999W00000000")
    assert missing.status_code == 404 and missing.json()["field"] == "unit_code"


def test_list_filters_and_pages(client: TestClient, db: Session) -> None:
    current = db.execute(text("SELECT count(*) FROM parcel WHERE end_lifespan IS NULL")).scalar()
    first = client.get("/api/v1/parcels", params={"limit": 10}).json()
    assert first["numberMatched"] == current and first["numberReturned"] == 10
    nxt = [link for link in first["links"] if link["rel"] == "next"][0]["href"]
    second = client.get(nxt).json()
    assert {f["id"] for f in first["features"]}.isdisjoint({f["id"] for f in second["features"]})
    code = first["features"][0]["properties"]["land_use"]["code"]
    same = client.get("/api/v1/parcels", params={"land_use": code, "limit": 1000}).json()
    assert same["numberMatched"] >= 1
    assert all(f["properties"]["land_use"]["code"].startswith(code) for f in same["features"])
    bad = client.get("/api/v1/parcels", params={"bbox": "1,2,3"})
    assert bad.status_code == 422 and bad.json()["field"] == "bbox"


def test_a_large_register_is_paged_without_counting_it(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # at 5M parcels the count of every current parcel took 0.8 s per page: above
    # CHEAP_COUNT_ROWS versions only the last page says how many matched
    from cadastre.parcels import repository

    monkeypatch.setattr(repository, "CHEAP_COUNT_ROWS", 10)
    every = list(
        db.execute(
            text("SELECT unit_code FROM parcel WHERE end_lifespan IS NULL ORDER BY unit_code")
        ).scalars()
    )
    first = client.get("/api/v1/parcels", params={"limit": 10}).json()
    assert "numberMatched" not in first and first["numberReturned"] == 10
    assert [f["id"] for f in first["features"]] == every[:10]
    assert [link["rel"] for link in first["links"]] == ["next"]
    last = client.get("/api/v1/parcels", params={"limit": 10, "offset": len(every) - 4}).json()
    assert last["numberMatched"] == len(every) and last["numberReturned"] == 4
    assert [link["rel"] for link in last["links"]] == ["prev"]
    exact = client.get("/api/v1/parcels", params={"limit": 10, "offset": len(every) - 10}).json()
    assert exact["numberReturned"] == 10 and exact["numberMatched"] == len(every)
    assert "next" not in [link["rel"] for link in exact["links"]]


def test_as_of_and_history(client: TestClient, auth, pair: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    code = pair[0]
    before = client.get(f"/api/v1/parcels/{code}").json()["properties"]
    new_use = "0801" if before["land_use"]["code"] != "0801" else "0702"
    r = client.patch(
        f"/api/v1/parcels/{code}",
        json={"land_use": new_use},
        headers={**auth("registrar"), "If-Match": etag_of(client, code)},
    )
    assert r.status_code == 200, r.text
    after = r.json()["properties"]
    assert after["version"] == before["version"] + 1 and after["unit_code"] == code
    old = client.get(f"/api/v1/parcels/{code}", params={"at": before["begin_lifespan"]}).json()
    assert old["properties"]["land_use"] == before["land_use"]
    now = client.get(f"/api/v1/parcels/{code}").json()
    assert now["properties"]["land_use"]["code"] == new_use
    history = client.get(f"/api/v1/parcels/{code}/history").json()
    assert [v["properties"]["version"] for v in history["versions"]] == [1, 2]
    assert history["edits"][0]["operation"] == "change" and "actor" not in history["edits"][0]
    staff = client.get(f"/api/v1/parcels/{code}/history", headers=auth("registrar")).json()
    assert staff["edits"][0]["actor"] == "test-registrar"


def test_unit_code_explained_and_checked(client: TestClient, pair: tuple[str, str]) -> None:
    r = client.get(f"/api/v1/unit-codes/{pair[0]}")
    assert r.status_code == 200
    assert r.json()["fixture"] == {"code": "W", "zh": "无定着物", "en": "none (land only)"}
    wrong_county = client.get("/api/v1/unit-codes/110100001001GB00001W00000000")
    assert wrong_county.status_code == 422 and "county" in wrong_county.json()["detail"]
    wrong_subzone = client.get(f"/api/v1/unit-codes/{pair[0][:9]}999GB00001W00000000")
    assert wrong_subzone.status_code == 422 and wrong_subzone.json()["field"] == "unit_code"
