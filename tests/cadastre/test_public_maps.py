"""The public district map over HTTP: popup names (land use zh/en, status in Chinese),
the search box (unit code, road, town, community), the parcel page; the popup's links to
listings are tested in tests/trading/test_parcel_links.py (cadastre never imports trading)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

import cadastre
from cadastre import places
from gis import demo_look

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
    # the page carries the district-wide names only; a view's come from labels_url
    assert {label["kind"] for label in cfg["labels"]} == {"town", "water"}
    assert cfg["labels_url"] == "/maps/labels"
    towns = [label["text"] for label in cfg["labels"] if label["kind"] == "town"]
    assert towns and all(t.endswith(("街道", "镇", "园区")) for t in towns)
    [river] = cfg["shapes"]  # the base map's water: the river's surface, stored, drawn
    assert river["geojson"]["type"] == "MultiPolygon" and river["name"].startswith("东江南支流")
    assert any(lb["kind"] == "water" and lb["text"] == "东江南支流" for lb in cfg["labels"])
    assert cfg["search_url"] == "/maps/search"


def _district(db: Session) -> str:
    box = db.execute(
        text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT "
            "ST_Extent(geom) AS e FROM parcel WHERE end_lifespan IS NULL) s"
        )
    ).one()
    return ",".join(str(v) for v in box)


def test_a_views_labels_follow_its_zoom_and_box(client: TestClient, db: Session) -> None:
    district = _district(db)
    by_zoom = {
        z: client.get("/maps/labels", params={"bbox": district, "zoom": z}).json()
        for z in (13, 14, 15, 16)
    }
    kinds = {z: {label["kind"] for label in found} for z, found in by_zoom.items()}
    assert kinds[13] == set()  # a city-wide view: the page's towns and water only
    assert kinds[14] and kinds[14] <= {"community", "village"} and "road" not in kinds[14]
    assert "road" in kinds[15] and "water" not in kinds[15]
    ponds = [lb for lb in by_zoom[16] if lb["kind"] == "water"]
    assert ponds and {lb["text"] for lb in ponds} == {"鱼塘"}
    assert all(lb["minzoom"] <= 16 for lb in by_zoom[16])
    # a community where collective land is most of its parcels is a village
    rural = db.execute(
        text(
            "SELECT subzone_code FROM parcel_subzone_tally "
            "WHERE collective_parcels * 2 > current_parcels LIMIT 1"
        )
    ).scalar_one()
    village = demo_look.community_label(rural, rural=True)
    assert {"text": village, "kind": "village"}.items() <= next(
        lb for lb in by_zoom[14] if lb["text"] == village
    ).items()
    # a view holds its own names only
    label = by_zoom[16][0]
    lon, lat = label["lon"], label["lat"]
    near = f"{lon - 1e-4},{lat - 1e-4},{lon + 1e-4},{lat + 1e-4}"
    small = client.get("/maps/labels", params={"bbox": near, "zoom": 16}).json()
    assert label in small and all(
        abs(lb["lon"] - lon) <= 1e-4 and abs(lb["lat"] - lat) <= 1e-4 for lb in small
    )
    over_sea = client.get("/maps/labels", params={"bbox": "0,0,0.01,0.01", "zoom": 18}).json()
    assert over_sea == []


def test_a_views_labels_refuse_a_bad_box_or_zoom(client: TestClient) -> None:
    for params, field in (
        ({"bbox": "1,2,3", "zoom": 15}, "bbox"),
        ({"bbox": "nan,0,1,1", "zoom": 15}, "bbox"),
        ({"bbox": "3,0,1,1", "zoom": 15}, "bbox"),
        ({"bbox": "0,0,181,1", "zoom": 15}, "bbox"),
        ({"bbox": "", "zoom": 15}, "bbox"),
        ({"bbox": "0,0,1,1", "zoom": 23}, "query.zoom"),
        ({"bbox": "0,0,1,1"}, "query.zoom"),
    ):
        r = client.get("/maps/labels", params=params)
        assert r.status_code == 422 and r.json()["field"] == field, (params, r.text)


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


ALL_STEPS = """
SELECT r.name, ST_X(p), ST_Y(p) FROM road r
CROSS JOIN LATERAL (SELECT greatest(1, round(ST_Length(r.geom) / :spacing))::int AS n) c
CROSS JOIN LATERAL generate_series(0, c.n - 1) k
CROSS JOIN LATERAL ST_LineInterpolatePoint(r.geom, (k + 0.5) / c.n) p
WHERE r.road_class = 'main' AND p && ST_MakeEnvelope(:w, :s, :e, :n, 4490)
"""


def test_road_labels_are_every_step_in_view_and_stay_put_as_the_map_pans(
    client: TestClient, db: Session
) -> None:
    west, south, east, north = map(float, _district(db).split(","))
    rng = random.Random(59)
    seen = 0
    for zoom in (15, 16, 17):
        spacing = places.ROAD_LABEL_SPACING_DEG / 2 ** (zoom - places.ROAD_ZOOM)
        for i in range(5):  # the district, then random views of a quarter of it
            w, s = rng.uniform(west, east), rng.uniform(south, north)
            half = ((east - west) / 2, (north - south) / 2)
            view = (west, south, east, north) if i == 0 else (w, s, w + half[0], s + half[1])
            got = {
                (lb["text"], lb["lon"], lb["lat"])
                for lb in client.get(
                    "/maps/labels", params={"bbox": ",".join(map(str, view)), "zoom": zoom}
                ).json()
                if lb["kind"] == "road"
            }
            every = db.execute(
                text(ALL_STEPS), {"spacing": spacing, **dict(zip("wsen", view, strict=True))}
            ).all()
            assert got == {(name, round(x, 6), round(y, 6)) for name, x, y in every}
            seen += len(got)
    assert seen >= 10, seen
    # a label seen in a view is at the same place in a view panned half a view away
    view = (west, south, (west + east) / 2, (south + north) / 2)
    first = [lb for lb in _labels(client, view, 16) if lb["kind"] == "road"]
    assert first
    label = first[len(first) // 2]
    dx, dy = (view[2] - view[0]) / 2, (view[3] - view[1]) / 2
    panned = (label["lon"] - dx / 2, label["lat"] - dy / 2, label["lon"] + dx, label["lat"] + dy)
    assert label in _labels(client, panned, 16)


def _labels(client: TestClient, view: tuple[float, ...], zoom: int) -> list[dict]:  # type: ignore[type-arg]
    bbox = ",".join(map(str, view))
    return client.get("/maps/labels", params={"bbox": bbox, "zoom": zoom}).json()  # type: ignore[no-any-return]
