"""OGC API Features Part 4: create / replace / update / delete with ETag and If-Match."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

ZONING = "/ogc/collections/plan_zoning/items"
GEOJSON = {"Content-Type": "application/geo+json"}


def _square(lon: float, lat: float, d: float = 0.0005) -> dict:
    ring = [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def _zones(db: Session) -> int:
    return int(db.execute(text("SELECT count(*) FROM plan_zone")).scalar_one())


def _feature(code: str = "07", name: str = "新区") -> dict:
    return {
        "type": "Feature",
        "geometry": _square(113.75, 23.0),
        "properties": {"code": code, "name": name},
    }


def test_planner_creates_replaces_updates_and_deletes_a_zone(
    client: TestClient, auth: Callable[[str], dict[str, str]], db: Session
) -> None:
    h = auth("planner")
    r = client.post(ZONING, json=_feature(), headers={**h, **GEOJSON})
    assert r.status_code == 201, r.text
    url = r.headers["location"]
    etag = r.headers["etag"]
    got = client.get(url)
    assert got.headers["etag"] == etag and got.json()["properties"]["code"] == "07"
    r = client.put(url, json=_feature("05", "商业区"), headers={**h, "If-Match": etag})
    assert r.status_code == 204 and r.headers["etag"] != etag
    etag2 = r.headers["etag"]
    r = client.patch(
        url, json={"properties": {"name": "商业中心"}}, headers={**h, "If-Match": etag2}
    )
    assert r.status_code == 204
    doc = client.get(url).json()
    assert doc["properties"] == {
        "code": "05",
        "name": "商业中心",
        "edition_id": doc["properties"]["edition_id"],
    }
    before = _zones(db)
    r = client.delete(url, headers={**h, "If-Match": r.headers["etag"]})
    assert r.status_code == 204
    assert client.get(url).status_code == 404 and _zones(db) == before - 1


def test_content_crs_of_a_write_is_honoured(
    client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    feature = _feature()
    ring = feature["geometry"]["coordinates"][0]
    feature["geometry"]["coordinates"][0] = [[lat, lon] for lon, lat in ring]  # EPSG:4490 order
    headers = {**auth("planner"), "Content-Crs": "<http://www.opengis.net/def/crs/EPSG/0/4490>"}
    r = client.post(ZONING, json=feature, headers=headers)
    assert r.status_code == 201
    lon, lat = client.get(r.headers["location"]).json()["geometry"]["coordinates"][0][0][0]
    assert (lon, lat) == (113.75, 23.0)


def test_writes_refused_without_token_role_or_fresh_etag(
    client: TestClient, auth: Callable[[str], dict[str, str]], db: Session
) -> None:
    before = _zones(db)
    r = client.post(ZONING, json=_feature())
    assert r.status_code == 401 and r.json()["field"] == "Authorization"
    r = client.post(ZONING, json=_feature(), headers=auth("bidder"))
    assert r.status_code == 403
    r = client.post(ZONING, json=_feature("99"), headers=auth("planner"))
    assert r.status_code == 422 and r.json()["field"] == "properties.code"
    bad_geom = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [1]},
        "properties": {"code": "07"},
    }
    r = client.post(ZONING, json=bad_geom, headers=auth("planner"))
    assert r.status_code == 422 and r.json()["field"] == "geometry"
    assert _zones(db) == before
    fid = client.get(ZONING + "?limit=1").json()["features"][0]["id"]
    url = f"{ZONING}/{fid}"
    etag = client.get(url).headers["etag"]
    r = client.patch(url, json={"properties": {"name": "x"}}, headers=auth("planner"))
    assert r.status_code == 428 and r.json()["field"] == "If-Match"
    r = client.patch(
        url, json={"properties": {"name": "x"}}, headers={**auth("planner"), "If-Match": '"stale"'}
    )
    assert r.status_code == 412 and r.json()["field"] == "If-Match"
    r = client.delete(url, headers={**auth("planner"), "If-Match": '"stale"'})
    assert r.status_code == 412
    assert client.get(url).headers["etag"] == etag and _zones(db) == before


def test_read_only_collection_refuses_writes(
    client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    r = client.post("/ogc/collections/roads/items", json=_feature(), headers=auth("admin"))
    assert r.status_code == 405
    assert r.headers["content-type"] == "application/problem+json"


def test_parcel_edits_go_through_the_cadastre(
    client: TestClient, auth: Callable[[str], dict[str, str]], db: Session
) -> None:
    items = "/ogc/collections/parcels/items"
    fid = client.get(items, params={"filter": "land_use = '0701'", "limit": 1}).json()["features"][
        0
    ]["id"]
    url = f"{items}/{fid}"
    etag = client.get(url).headers["etag"]
    stale = client.patch(
        url,
        json={"properties": {"land_use": "0702"}},
        headers={**auth("registrar"), "If-Match": '"0"'},
    )
    assert stale.status_code == 412
    assert client.get(url).json()["properties"]["land_use"] == "0701"
    ok = client.patch(
        url,
        json={"properties": {"land_use": "0702"}},
        headers={**auth("registrar"), "If-Match": etag},
    )
    assert ok.status_code == 204, ok.text
    after = client.get(url)
    assert after.json()["properties"]["land_use"] == "0702" and after.headers["etag"] != etag
