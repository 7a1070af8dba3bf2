"""The public district map over HTTP: popup names (land use zh/en, status in Chinese),
the search box (unit code, road, town, community), the parcel page; the popup's links to
listings are tested in tests/trading/test_parcel_links.py (cadastre never imports trading)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

import cadastre

CONFIG = re.compile(r'<script type="application/json" id="map-config">(.*?)</script>', re.S)


def _config(html: str) -> dict:  # type: ignore[type-arg]
    found = CONFIG.search(html)
    assert found, "no map config"
    return json.loads(found.group(1))


def test_landing_popup_names_labels_and_river(client: TestClient) -> None:
    cfg = _config(client.get("/").text)
    names = cfg["names"]
    assert names["land_use"]["0701"] == "0701 城镇住宅用地 urban housing land" or names["land_use"][
        "0701"
    ].startswith("0701 城镇住宅用地")
    assert names["reg_status"]["registered"].startswith("已登记")
    assert names["reg_status"]["unregistered"].startswith("未登记")
    parcels = next(layer for layer in cfg["layers"] if layer["interactive"])
    assert ["area_m2", "面积 area", "area"] in parcels["popup"]
    assert parcels["links_url"] == "/maps/parcels/links?unit_code={unit_code}"
    kinds = {label["kind"] for label in cfg["labels"]}
    assert {"town", "water", "road"} <= kinds and kinds & {"community", "village"}
    towns = [label["text"] for label in cfg["labels"] if label["kind"] == "town"]
    assert towns and all(t.endswith(("街道", "镇", "园区")) for t in towns)
    [river] = cfg["shapes"]  # the base map's water: the river's surface, stored, drawn
    assert river["geojson"]["type"] == "MultiPolygon" and river["name"].startswith("东江南支流")
    assert any(lb["kind"] == "water" and lb["text"] == "东江南支流" for lb in cfg["labels"])
    assert cfg["search_url"] == "/maps/search"


def test_search_by_code_road_town_and_community(client: TestClient, db: Session) -> None:
    code = db.execute(
        text("SELECT unit_code FROM parcel WHERE end_lifespan IS NULL ORDER BY id LIMIT 1")
    ).scalar_one()
    hits = client.get("/maps/search", params={"q": code}).json()
    assert hits[0] == {**hits[0], "kind": "parcel", "label": code}
    west, south, east, north = hits[0]["bbox"]
    assert west < east and south < north and 113 < west < 115 and 22 < south < 24
    road = db.execute(text("SELECT name FROM road ORDER BY id LIMIT 1")).scalar_one()
    assert any(
        h["kind"] == "road" and h["label"] == road
        for h in client.get("/maps/search", params={"q": road}).json()
    )
    zone = db.execute(text("SELECT name FROM cadastral_zone ORDER BY code LIMIT 1")).scalar_one()
    town = zone.removesuffix("地籍区")
    assert any(h["kind"] == "town" for h in client.get("/maps/search", params={"q": town}).json())
    # a wildcard is a character, not a pattern; nothing for nonsense; at most 10 hits
    assert client.get("/maps/search", params={"q": "%"}).json() == []
    assert client.get("/maps/search", params={"q": "不存在的路"}).json() == []
    assert len(client.get("/maps/search", params={"q": "4419"}).json()) == 10
    assert client.get("/maps/search", params={"q": ""}).json() == []


def test_parcel_page_names_use_status_and_area_in_mu(client: TestClient, db: Session) -> None:
    code, area = db.execute(
        text(
            "SELECT unit_code, area_m2 FROM parcel WHERE end_lifespan IS NULL "
            "AND land_use = '0701' AND reg_status = 'unregistered' LIMIT 1"
        )
    ).one()
    page = client.get("/maps/parcels", params={"unit_code": code}).text
    assert "0701 城镇住宅用地" in page and "未登记 not yet registered" in page
    assert f"{float(area) / (10000 / 15):,.2f} 亩" in page and f"{float(area):,.2f} m²" in page


def test_cadastre_never_imports_trading() -> None:
    for source in Path(cadastre.__file__).parent.rglob("*.py"):
        body = source.read_text(encoding="utf-8")
        assert "from trading" not in body and "import trading" not in body, source


def test_search_and_links_refuse_text_the_database_cannot_store(client: TestClient) -> None:
    for url, name in (("/maps/search", "q"), ("/maps/parcels/links", "unit_code")):
        r = client.get(url, params={name: "路\x00"})
        assert r.status_code == 422 and r.json()["field"] == name
