"""OGC API Features Part 1 (core, GeoJSON, HTML) over the real app and PostGIS."""

from __future__ import annotations

from fastapi.testclient import TestClient

from gis.landuse import FIRST_LEVEL
from gis.ogc.documents import CONFORMANCE


def test_landing_and_conformance(client: TestClient) -> None:
    landing = client.get("/ogc").json()
    rels = {x["rel"] for x in landing["links"]}
    assert {"self", "service-desc", "service-doc", "conformance", "data"} <= rels
    conf = client.get("/ogc/conformance").json()["conformsTo"]
    assert conf[: len(CONFORMANCE)] == CONFORMANCE  # features classes, then tiles classes
    assert "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt" in conf
    assert any(link["rel"].endswith("tilesets-vector") for link in landing["links"])
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conf


def test_collections_list_public_layers(client: TestClient) -> None:
    doc = client.get("/ogc/collections").json()
    ids = {c["id"] for c in doc["collections"]}
    assert {"parcels", "plan_zoning", "plan_farmland", "plan_development_boundary", "roads"} <= ids
    parcels = next(c for c in doc["collections"] if c["id"] == "parcels")
    assert parcels["itemType"] == "feature"
    assert "http://www.opengis.net/def/crs/OGC/1.3/CRS84" in parcels["crs"]
    assert parcels["storageCrs"] == "http://www.opengis.net/def/crs/EPSG/0/4490"
    minx, miny, maxx, maxy = parcels["extent"]["spatial"]["bbox"][0]
    assert 113 < minx < maxx < 115 and 22 < miny < maxy < 24  # lon/lat, CRS84 order


def test_items_paging_links_and_number_matched(client: TestClient, n_parcels: int) -> None:
    first = client.get("/ogc/collections/parcels/items", params={"limit": 250})
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("application/geo+json")
    body = first.json()
    assert body["numberReturned"] == 250 and len(body["features"]) == 250
    assert body["numberMatched"] == n_parcels  # a small table: counting is cheap
    nxt = next(x["href"] for x in body["links"] if x["rel"] == "next")
    seen = {f["id"] for f in body["features"]}
    pages = 1
    while nxt:
        page = client.get(nxt).json()
        pages += 1
        assert not seen & {f["id"] for f in page["features"]}
        seen |= {f["id"] for f in page["features"]}
        assert any(x["rel"] == "prev" for x in page["links"])
        nxt = next((x["href"] for x in page["links"] if x["rel"] == "next"), None)
    assert page["numberMatched"] == len(seen) == n_parcels
    assert pages == -(-n_parcels // 250)


def test_public_attributes_only(client: TestClient) -> None:
    feature = client.get("/ogc/collections/parcels/items", params={"limit": 1}).json()
    props = feature["features"][0]["properties"]
    published = {"unit_code", "land_use", "area_m2", "reg_status"}
    assert set(props) == published | {"valid_from", "valid_to"}  # a versioned collection
    assert props["valid_to"] is None  # the current version
    assert len(feature["features"][0]["id"]) == 28


def test_single_item_with_etag(client: TestClient) -> None:
    fid = client.get("/ogc/collections/parcels/items?limit=1").json()["features"][0]["id"]
    r = client.get(f"/ogc/collections/parcels/items/{fid}")
    assert r.status_code == 200 and r.headers["etag"].startswith('"')
    doc = r.json()
    assert doc["type"] == "Feature" and doc["id"] == fid
    assert {x["rel"] for x in doc["links"]} >= {"self", "collection"}
    missing = client.get("/ogc/collections/parcels/items/441900999999GB99999W00000000")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert client.get("/ogc/collections/nope/items").json()["field"] == "collectionId"


def test_a_routed_read_says_the_primary_answered_when_no_replica_runs(client: TestClient) -> None:
    """``X-Landgis-Read`` is on every routed read, also when no standby runs (it once was
    absent then, and a fallback test passed or failed on the replica URL's cache timing);
    a single item, always read on the primary for its ETag, carries none."""
    page = client.get("/ogc/collections/parcels/items?limit=1")
    assert page.headers["x-landgis-read"] == "primary"
    fid = page.json()["features"][0]["id"]
    assert "x-landgis-read" not in client.get(f"/ogc/collections/parcels/items/{fid}").headers


def test_bbox_finds_features_inside(client: TestClient, n_parcels: int) -> None:
    ext = client.get("/ogc/collections/parcels").json()["extent"]["spatial"]["bbox"][0]
    cx, cy = (ext[0] + ext[2]) / 2, (ext[1] + ext[3]) / 2
    box = f"{cx - 0.002},{cy - 0.002},{cx + 0.002},{cy + 0.002}"
    r = client.get("/ogc/collections/parcels/items", params={"bbox": box, "limit": 1000}).json()
    assert 0 < r["numberReturned"] < n_parcels
    for f in r["features"]:
        xs = [p[0] for p in f["geometry"]["coordinates"][0][0]]
        assert min(xs) < cx + 0.002 and max(xs) > cx - 0.002


def test_roads_and_plan_layers(client: TestClient) -> None:
    roads = client.get("/ogc/collections/roads/items?limit=5").json()
    assert roads["features"][0]["geometry"]["type"] == "LineString"
    zoning = client.get("/ogc/collections/plan_zoning/items", params={"limit": 1000}).json()
    codes = {f["properties"]["code"] for f in zoning["features"]}
    assert codes <= set(FIRST_LEVEL) and {"01", "07", "11"} <= codes  # the river zoned water
    assert zoning["numberMatched"] == zoning["numberReturned"] > 0


def test_html_pages(client: TestClient) -> None:
    for url in ("/ogc", "/ogc/collections", "/ogc/collections/parcels", "/ogc/conformance"):
        r = client.get(url, headers={"Accept": "text/html"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    items = client.get("/ogc/collections/parcels/items?f=html&limit=5")
    assert "441900" in items.text and "/static/vendor/leaflet/leaflet.js" in items.text
    assert "cdn" not in items.text.lower()


def test_limits_are_checked(client: TestClient) -> None:
    for bad in ("-1", "0", "1000000000"):
        r = client.get("/ogc/collections/parcels/items", params={"limit": bad})
        assert r.status_code == 400, bad
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["field"] == "limit"
    r = client.get("/ogc/collections/parcels/items", params={"limit": "ten"})
    assert r.status_code in (400, 422) and "limit" in r.json()["field"]


def test_property_query_parameter(client: TestClient) -> None:
    r = client.get("/ogc/collections/parcels/items", params={"land_use": "0701", "limit": 50})
    feats = r.json()["features"]
    assert feats and {f["properties"]["land_use"] for f in feats} == {"0701"}


def test_datetime_reads_the_register_as_valid_then(client: TestClient, n_parcels: int) -> None:
    """Parcels are versioned: ``datetime`` selects the versions valid at that instant (or
    at any time in an interval), not the ones that began then."""
    everything = client.get("/ogc/collections/parcels/items", params={"limit": 1000}).json()
    assert everything["numberMatched"] == n_parcels
    before = client.get(
        "/ogc/collections/parcels/items", params={"datetime": "1990-01-01T00:00:00Z"}
    ).json()
    assert before["features"] == [] and before["numberMatched"] == 0  # no register yet
    future = client.get(
        "/ogc/collections/parcels/items",
        params={"datetime": "2999-01-01T00:00:00Z/..", "limit": 1000},
    ).json()
    assert future["numberMatched"] == n_parcels  # still valid then, as far as we know
    ever = client.get(
        "/ogc/collections/parcels/items",
        params={"datetime": "../2999-01-01T00:00:00Z", "limit": 1000},
    ).json()
    assert ever["numberMatched"] >= n_parcels  # every version ever valid
    r = client.get("/ogc/collections/parcels/items", params={"datetime": "2030-01-01/2020-01-01"})
    assert r.status_code == 400 and r.json()["field"] == "datetime"


def test_single_item_as_html(client: TestClient) -> None:
    fid = client.get("/ogc/collections/parcels/items?limit=1").json()["features"][0]["id"]
    r = client.get(f"/ogc/collections/parcels/items/{fid}", params={"f": "html"})
    assert r.status_code == 200 and fid in r.text


def test_property_query_parameter_bad_number(client: TestClient) -> None:
    r = client.get("/ogc/collections/parcels/items", params={"area_m2": "big"})
    assert r.status_code == 400 and r.json()["field"] == "area_m2"
    r = client.get("/ogc/collections/roads/items", params={"width_m": "7.0", "limit": 1000})
    assert r.status_code == 200
    assert {f["properties"]["width_m"] for f in r.json()["features"]} <= {7.0}
