"""The planning API: compliance (single and batch), editions, import from files, the map page."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.db import transaction

API = "/api/v1/planning"


def _parcel(client: TestClient, cql: str) -> dict:
    r = client.get("/ogc/collections/parcels/items", params={"filter": cql, "limit": 1})
    return r.json()["features"][0]


def _zones_of(db: Session, edition: int) -> int:
    sql = text("SELECT count(*) FROM plan_zone WHERE edition_id = :e")
    return int(db.execute(sql, {"e": edition}).scalar_one())


def test_compliance_by_unit_code_and_by_geometry(client: TestClient) -> None:
    parcel = _parcel(client, "land_use LIKE '01%'")
    r = client.post(
        f"{API}/compliance", json={"unit_code": parcel["id"], "proposed_land_use": "0701"}
    )
    assert r.status_code == 200, r.text
    by_code = r.json()
    assert by_code["verdict"] in ("compliant", "conflict")
    assert by_code["proposed_zh"] == "城镇住宅用地"
    assert abs(sum(z["share"] for z in by_code["zones"] if z["layer"] == "zoning") - 1) < 0.01
    by_geom = client.post(
        f"{API}/compliance", json={"geometry": parcel["geometry"], "proposed_land_use": "0701"}
    ).json()
    assert by_geom["verdict"] == by_code["verdict"]
    assert abs(by_geom["area_m2"] - by_code["area_m2"]) < 1


def test_compliance_bad_input(client: TestClient) -> None:
    parcel = _parcel(client, "land_use LIKE '07%'")
    cases = [
        ({"unit_code": parcel["id"], "proposed_land_use": "99"}, 422, "proposed_land_use"),
        ({"proposed_land_use": "07"}, 422, "geometry"),
        (
            {"unit_code": parcel["id"], "geometry": parcel["geometry"], "proposed_land_use": "07"},
            422,
            "geometry",
        ),
        (
            {"geometry": {"type": "Point", "coordinates": [113.7, 23]}, "proposed_land_use": "07"},
            422,
            "geometry",
        ),
        (
            {"unit_code": "441900999999GB99999W00000000", "proposed_land_use": "07"},
            404,
            "unit_code",
        ),
        (
            {"unit_code": parcel["id"], "proposed_land_use": "07", "edition_id": 424242},
            404,
            "edition_id",
        ),
    ]
    for body, status, field in cases:
        r = client.post(f"{API}/compliance", json=body)
        assert r.status_code == status, (body, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["field"] == field


def _on_farmland(db: Session) -> str:
    sql = """
    SELECT p.unit_code FROM parcel p JOIN plan_zone z
      ON z.layer = 'farmland' AND ST_Within(p.geom, z.geom)
    WHERE p.end_lifespan IS NULL ORDER BY p.unit_code LIMIT 1
    """
    return str(db.execute(text(sql)).scalar_one())


def test_batch_reports_each_site(client: TestClient, db: Session) -> None:
    farm = {"id": _on_farmland(db)}
    home = _parcel(client, "land_use LIKE '07%'")
    body = {
        "items": [
            {"id": "a", "unit_code": farm["id"], "proposed_land_use": "06"},
            {"id": "b", "unit_code": home["id"], "proposed_land_use": "07"},
            {"id": "c", "unit_code": home["id"], "proposed_land_use": "98"},
        ]
    }
    doc = client.post(f"{API}/compliance/batch", json=body).json()
    by_id = {r["id"]: r for r in doc["results"]}
    assert by_id["a"]["verdict"] == "conflict"
    assert by_id["c"] == {
        "id": "c",
        "verdict": "error",
        "field": "items.2.proposed_land_use",
        "detail": by_id["c"]["detail"],
    }
    assert sum(doc["summary"].values()) == 3 and doc["summary"]["error"] == 1
    too_many = client.post(f"{API}/compliance/batch", json={"items": []})
    assert too_many.status_code == 422 and too_many.json()["field"] == "items"


def _zoning_file(client: TestClient, path: Path, code: str) -> Path:
    zoning = client.get("/ogc/collections/plan_zoning/items", params={"limit": 1000}).json()
    gdf = gpd.GeoDataFrame.from_features(zoning["features"], crs=4490).to_crs(4547)
    gdf["code"] = code
    gdf["name"] = "新版" + gdf["name"].astype(str)
    gdf[["code", "name", "geometry"]].to_file(path, driver="GeoJSON")
    return path


def copy_layers(db: Session, source: int, target: int, skip: str = "") -> None:
    """Copy the zones of ``source`` (but ``skip``) into ``target``, plus one red-line zone.
    Committed as its own unit of work (a refused request later rolls back only its own)."""
    with transaction(db):
        _copy(db, source, target, skip)


def _copy(db: Session, source: int, target: int, skip: str) -> None:
    db.execute(
        text(
            "INSERT INTO plan_zone (edition_id, layer, code, name, geom) "
            "SELECT :t, layer, code, name, geom FROM plan_zone WHERE edition_id = :s "
            "AND layer <> :skip"
        ),
        {"s": source, "t": target, "skip": skip},
    )
    db.execute(  # a demo plan without a red line: give the new edition one small zone
        text(
            "INSERT INTO plan_zone (edition_id, layer, code, name, geom) "
            "SELECT :t, 'ecological_redline', '', '红线', "
            "ST_Multi(ST_Buffer(ST_PointOnSurface(geom), 0.0005)) "
            "FROM plan_zone WHERE edition_id = :s AND layer = 'farmland' "
            "AND (:skip = 'ecological_redline' OR NOT EXISTS (SELECT 1 FROM plan_zone "
            "WHERE edition_id = :s AND layer = 'ecological_redline')) LIMIT 1"
        ),
        {"s": source, "t": target, "skip": skip},
    )


def test_edition_lifecycle_import_activate_and_query_old(
    client: TestClient, auth: Callable[[str], dict[str, str]], db: Session, tmp_path: Path
) -> None:
    h = auth("planner")
    old = next(e for e in client.get(f"{API}/editions").json() if e["in_force"])
    approval = {"document": "东府函〔2026〕1号", "approval_authority": "东莞市人民政府"}
    r = client.post(
        f"{API}/editions",
        json={"name": "2026 修编", "approved_on": "2026-10-01", **approval},
        headers=h,
    )
    assert r.status_code == 201
    new = r.json()["id"]
    src = _zoning_file(client, tmp_path / "zoning.geojson", "07")
    with src.open("rb") as fh:
        r = client.post(
            f"{API}/editions/{new}/zones",
            data={"layer": "zoning"},
            files={"file": ("zoning.geojson", fh)},
            headers=h,
        )
    assert r.status_code == 200, r.text
    assert r.json()["imported"] == old["zones"]["zoning"]
    copy_layers(db, old["id"], new, skip="zoning")
    r = client.post(f"{API}/editions/{new}/activate", json={"reason": "2026 修编批复"}, headers=h)
    assert r.status_code == 200, r.text
    eds = {e["id"]: e for e in client.get(f"{API}/editions").json()}
    assert eds[new]["in_force"] and not eds[old["id"]]["in_force"]
    codes = {
        f["properties"]["code"]
        for f in client.get("/ogc/collections/plan_zoning/items").json()["features"]
    }
    assert codes == {"07"}
    old_zones = json.loads(
        client.get(f"{API}/editions/{old['id']}/zones", params={"layer": "zoning"}).text
    )
    assert len(old_zones["features"]) == old["zones"]["zoning"]
    site = _parcel(client, "land_use LIKE '01%'")
    now = client.post(
        f"{API}/compliance", json={"unit_code": site["id"], "proposed_land_use": "07"}
    ).json()
    assert now["edition_id"] == new and not [
        w for w in now["warnings"] if w["code"] == "ZONING_DIFFERS"
    ]
    before = client.post(
        f"{API}/compliance",
        json={"unit_code": site["id"], "proposed_land_use": "07", "edition_id": old["id"]},
    ).json()
    assert before["edition_id"] == old["id"]


def test_import_refuses_bad_files_and_roles(
    client: TestClient, auth: Callable[[str], dict[str, str]], db: Session, tmp_path: Path
) -> None:
    h = auth("planner")
    editions_before = len(client.get(f"{API}/editions").json())
    new = client.post(
        f"{API}/editions", json={"name": "草案", "approved_on": "2026-11-01"}, headers=h
    ).json()["id"]
    bad = _zoning_file(client, tmp_path / "bad.geojson", "XX")
    url = f"{API}/editions/{new}/zones"
    with bad.open("rb") as fh:
        r = client.post(
            url, data={"layer": "zoning"}, files={"file": ("bad.geojson", fh)}, headers=h
        )
    assert r.status_code == 422 and r.json()["field"] == "code_field"
    with bad.open("rb") as fh:
        r = client.post(
            url, data={"layer": "parks"}, files={"file": ("bad.geojson", fh)}, headers=h
        )
    assert r.status_code == 422 and r.json()["field"] == "layer"
    with bad.open("rb") as fh:
        r = client.post(
            url,
            data={"layer": "zoning"},
            files={"file": ("bad.geojson", fh)},
            headers=auth("bidder"),
        )
    assert r.status_code == 403
    r = client.post(f"{API}/editions", json={"name": "x", "approved_on": "2026-11-01"})
    assert r.status_code == 401
    r = client.post(f"{API}/editions", json={"name": "x", "approved_on": "soon"}, headers=h)
    assert r.status_code == 422 and r.json()["field"] == "approved_on"
    assert _zones_of(db, new) == 0
    assert len(client.get(f"{API}/editions").json()) == editions_before + 1


def test_planning_map_page_is_offline(client: TestClient) -> None:
    r = client.get("/maps/planning")
    assert r.status_code == 200
    page = r.text
    assert "/static/vendor/leaflet/leaflet.js" in page and "合规性检查" in page
    assert "cdn" not in page.lower() and "/api/v1/planning/compliance" in page
