"""OGC API Features sorting (Part 8 sortby, Part 5 sortables), property selection (Part 6)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from gis.ogc.documents import CONFORMANCE

ITEMS = "/ogc/collections/parcels/items"
SORTING = "http://www.opengis.net/spec/ogcapi-features-8/1.0/conf/sorting"
SELECTION = "http://www.opengis.net/spec/ogcapi-features-6/1.0/conf/property-selection"


def _everything(client: TestClient) -> list[dict[str, Any]]:
    body = client.get(ITEMS, params={"limit": 10_000}).json()
    assert body["numberReturned"] == body["numberMatched"] > 250
    return body["features"]


def _all_pages(
    client: TestClient, params: dict[str, Any], url: str = ITEMS
) -> tuple[list[dict[str, Any]], int]:
    """Every feature, following ``next`` links; and how many pages that took."""
    r = client.get(url, params=params)
    assert r.status_code == 200, r.text
    page = r.json()
    feats, pages = list(page["features"]), 1
    while nxt := next((x["href"] for x in page["links"] if x["rel"] == "next"), None):
        assert "sortby=" in nxt  # the next page keeps the order
        page = client.get(nxt).json()
        feats += page["features"]
        pages += 1
    return feats, pages


def _ids(feats: list[dict[str, Any]]) -> list[str]:
    return [f["id"] for f in feats]


def test_sortby_one_key_both_directions_across_pages(client: TestClient) -> None:
    every = _everything(client)
    assert all(isinstance(f["properties"]["area_m2"], float) for f in every)
    up = sorted(every, key=lambda f: (f["properties"]["area_m2"], f["id"]))
    down = sorted(every, key=lambda f: (-f["properties"]["area_m2"], f["id"]))
    assert _ids(up) != _ids(every)  # the default (id) order is not already the answer

    got_up, pages = _all_pages(client, {"sortby": "area_m2", "limit": 250})
    assert pages == -(-len(every) // 250) >= 2
    assert _ids(got_up) == _ids(up)
    got_plus, _ = _all_pages(client, {"sortby": "+area_m2", "limit": 250})
    assert _ids(got_plus) == _ids(up)
    got_down, _ = _all_pages(client, {"sortby": "-area_m2", "limit": 250})
    assert _ids(got_down) == _ids(down)


def test_sortby_two_keys_across_pages(client: TestClient) -> None:
    every = _everything(client)
    uses = [f["properties"]["land_use"] for f in every]
    assert len(set(uses)) > 1 and len(set(uses)) < len(uses)  # ties on the first key
    want = sorted(every, key=lambda f: (f["properties"]["land_use"], -f["properties"]["area_m2"]))
    got, pages = _all_pages(client, {"sortby": "+land_use,-area_m2", "limit": 200})
    assert pages >= 2 and _ids(got) == _ids(want)
    want = sorted(
        every, key=lambda f: (f["properties"]["reg_status"], f["properties"]["area_m2"], f["id"])
    )
    reverse_status = sorted(want, key=lambda f: f["properties"]["reg_status"], reverse=True)
    got, _ = _all_pages(client, {"sortby": "-reg_status, area_m2", "limit": 300})
    assert _ids(got) == _ids(reverse_status)  # Python's sort is stable: area, id stay ascending


def test_unencoded_plus_is_ascending(client: TestClient) -> None:
    """``sortby=+land_use`` typed into a URL arrives as `` land_use`` (a ``+`` is a space)."""
    raw = client.get(f"{ITEMS}?sortby=+land_use,-area_m2&limit=40").json()
    encoded = client.get(ITEMS, params={"sortby": "+land_use,-area_m2", "limit": 40}).json()
    assert _ids(raw["features"]) == _ids(encoded["features"])
    uses = [f["properties"]["land_use"] for f in raw["features"]]
    assert uses == sorted(uses)


def test_sortby_combines_with_filter_and_paging_counts(client: TestClient) -> None:
    params: dict[str, Any] = {"filter": "land_use LIKE '07%'", "sortby": "-area_m2", "limit": 30}
    got, _ = _all_pages(client, params)
    areas = [f["properties"]["area_m2"] for f in got]
    assert got and areas == sorted(areas, reverse=True)
    assert {f["properties"]["land_use"][:2] for f in got} == {"07"}
    first = client.get(ITEMS, params=params).json()
    assert first["numberMatched"] == len(got) == len(set(_ids(got)))


def test_unknown_sortby_is_400_naming_the_parameter(client: TestClient, n_parcels: int) -> None:
    for bad in ("owner_name", "-price", "area_m2,geometry", 'area_m2"; DROP TABLE parcel; --'):
        r = client.get(ITEMS, params={"sortby": bad})
        assert r.status_code == 400, bad
        assert r.headers["content-type"] == "application/problem+json"
        body = r.json()
        assert body["field"] == "sortby"
        assert body["allowed"] == ["unit_code", "land_use", "area_m2", "reg_status"]
        assert "area_m2" in body["detail"]
    twice = client.get(ITEMS, params={"sortby": "area_m2,-area_m2"})
    assert twice.status_code == 400 and twice.json()["field"] == "sortby"
    assert client.get(ITEMS, params={"limit": 1000}).json()["numberMatched"] == n_parcels


def test_properties_subset(client: TestClient) -> None:
    r = client.get(ITEMS, params={"properties": "area_m2,land_use", "limit": 5})
    assert r.status_code == 200
    for f in r.json()["features"]:
        assert list(f["properties"]) == ["area_m2", "land_use"]  # in the order asked for
        assert len(f["id"]) == 28 and f["geometry"]["type"] == "MultiPolygon"
    named = client.get(ITEMS, params={"properties": "id,geometry,land_use,land_use", "limit": 1})
    assert list(named.json()["features"][0]["properties"]) == ["land_use"]
    empty = client.get(ITEMS, params={"properties": "", "limit": 2}).json()["features"]
    assert [f["properties"] for f in empty] == [{}, {}] and all(f["geometry"] for f in empty)
    fid = empty[0]["id"]
    one = client.get(f"{ITEMS}/{fid}", params={"properties": "reg_status"}).json()
    assert one["id"] == fid and list(one["properties"]) == ["reg_status"]


def test_properties_with_sortby_on_an_unselected_property(client: TestClient) -> None:
    every = _everything(client)
    want = [f["id"] for f in sorted(every, key=lambda f: (-f["properties"]["area_m2"], f["id"]))]
    got, _ = _all_pages(client, {"properties": "land_use", "sortby": "-area_m2", "limit": 250})
    assert _ids(got) == want
    assert all(list(f["properties"]) == ["land_use"] for f in got)


def test_unknown_properties_are_400(client: TestClient) -> None:
    for bad in ("owner_name", "land_use,price", 'land_use"); --'):
        r = client.get(ITEMS, params={"properties": bad})
        assert r.status_code == 400, bad
        body = r.json()
        assert body["field"] == "properties" and "land_use" in body["allowed"]
    fid = client.get(ITEMS, params={"limit": 1}).json()["features"][0]["id"]
    r = client.get(f"{ITEMS}/{fid}", params={"properties": "owner_name"})
    assert r.status_code == 400 and r.json()["field"] == "properties"


def test_html_items_sorted_with_selected_columns(client: TestClient) -> None:
    params: dict[str, Any] = {
        "f": "html",
        "sortby": "-area_m2",
        "properties": "land_use",
        "limit": 5,
    }
    page = client.get(ITEMS, params=params)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<th>land_use</th>" in page.text and "<th>area_m2</th>" not in page.text
    top = client.get(ITEMS, params={"sortby": "-area_m2", "limit": 5}).json()["features"]
    positions = [page.text.index(f"<td>{f['id']}</td>") for f in top]
    assert positions == sorted(positions)  # table rows in the requested order
    assert "sortby=-area_m2" in page.text  # the next-page link keeps the order


def test_sortables_and_conformance(client: TestClient) -> None:
    r = client.get("/ogc/collections/land_listings/sortables")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/schema+json")
    doc = r.json()
    assert doc["$id"].endswith("/ogc/collections/land_listings/sortables")
    assert doc["properties"]["bid_start"]["format"] == "date-time"
    assert "geometry" not in doc["properties"] and "start_price" in doc["properties"]
    links = client.get("/ogc/collections/parcels").json()["links"]
    sortables = next(x for x in links if x["rel"].endswith("/sortables"))
    assert client.get(sortables["href"]).json()["properties"].keys() == {
        "unit_code",
        "land_use",
        "area_m2",
        "reg_status",
    }
    conf = client.get("/ogc/conformance").json()["conformsTo"]
    assert SORTING in conf and SELECTION in conf and SORTING in CONFORMANCE
    assert client.get("/ogc/collections/nope/sortables").status_code == 404


def test_sortby_on_another_collection_with_integer_ids(client: TestClient) -> None:
    url = "/ogc/collections/roads/items"
    every = client.get(url, params={"limit": 1000}).json()["features"]
    assert len(every) > 5 and len({f["properties"]["road_class"] for f in every}) > 1
    by_class = sorted(every, key=lambda f: (f["properties"]["name"], f["id"]))
    want = sorted(by_class, key=lambda f: f["properties"]["road_class"], reverse=True)
    got, pages = _all_pages(client, {"sortby": "-road_class,name", "limit": 5}, url)
    assert pages > 1 and _ids(got) == _ids(want)
