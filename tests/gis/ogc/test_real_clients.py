"""Real OGC clients against a running server: GDAL's OAPIF driver and OWSLib."""

from __future__ import annotations

import subprocess

import httpx
from landgis_client import Client
from owslib.ogcapi.features import Features


def _ogrinfo(*args: str) -> str:
    out = subprocess.run(
        ["ogrinfo", "-ro", *args], capture_output=True, text=True, timeout=120, check=True
    )
    return out.stdout


def test_gdal_lists_collections(live_server: str) -> None:
    out = _ogrinfo(f"OAPIF:{live_server}/ogc")
    for layer in ("parcels", "plan_zoning", "plan_farmland", "roads"):
        assert layer in out


def test_gdal_reads_items_with_and_without_filter(live_server: str, live_parcels: int) -> None:
    out = _ogrinfo("-so", "-al", f"OAPIF:{live_server}/ogc/collections/parcels")
    assert f"Feature Count: {live_parcels}" in out
    assert "unit_code" in out and "land_use" in out
    filtered = _ogrinfo(
        "-al", "-q", "-where", "land_use = '0701'", f"OAPIF:{live_server}/ogc/collections/parcels"
    )
    uses = [ln.split("=")[-1].strip() for ln in filtered.splitlines() if "land_use (String)" in ln]
    assert uses and set(uses) == {"0701"}
    x0, y0, x1, y1 = _centre_box(live_server)
    spatial = _ogrinfo(
        "-al",
        "-so",
        "-spat",
        str(x0),
        str(y0),
        str(x1),
        str(y1),
        f"OAPIF:{live_server}/ogc/collections/parcels",
    )
    count = int(spatial.split("Feature Count:")[1].split()[0])
    assert 0 < count < live_parcels


def _centre_box(live_server: str, d: float = 0.002) -> tuple[float, float, float, float]:
    ext = httpx.get(f"{live_server}/ogc/collections/parcels").json()["extent"]["spatial"]["bbox"][0]
    cx, cy = (ext[0] + ext[2]) / 2, (ext[1] + ext[3]) / 2
    return cx - d, cy - d, cx + d, cy + d


def test_owslib_lists_and_reads(live_server: str, live_parcels: int) -> None:
    api = Features(f"{live_server}/ogc")
    ids = {c["id"] for c in api.collections()["collections"]}
    assert {"parcels", "plan_zoning", "roads"} <= ids
    assert (
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
        in api.conformance()["conformsTo"]
    )
    page = api.collection_items("parcels", limit=20)
    assert page["numberReturned"] == 20 and len(page["features"]) == 20
    filtered = api.collection_items("parcels", limit=100, filter="land_use = '0701'")
    assert filtered["features"]
    assert {f["properties"]["land_use"] for f in filtered["features"]} == {"0701"}
    queryables = api.collection_queryables("parcels")
    assert "area_m2" in queryables["properties"]
    boxed = api.collection_items("parcels", bbox=list(_centre_box(live_server)), limit=1000)
    assert 0 < boxed["numberReturned"] < live_parcels
    one = api.collection_item("parcels", page["features"][0]["id"])
    assert one["id"] == page["features"][0]["id"]


def test_owslib_sortby_and_properties(live_server: str) -> None:
    """OWSLib sends ``sortby=("area_m2", "desc")`` as ``sortby=-area_m2``; properties as given."""
    api = Features(f"{live_server}/ogc")
    every = api.collection_items("parcels", limit=10_000)["features"]
    want = sorted(every, key=lambda f: (-f["properties"]["area_m2"], f["id"]))[:50]
    page = api.collection_items("parcels", limit=50, sortby=("area_m2", "desc"))
    assert [f["id"] for f in page["features"]] == [f["id"] for f in want]
    up = api.collection_items("parcels", limit=50, sortby=("area_m2", "asc"))["features"]
    assert up[0]["properties"]["area_m2"] == min(f["properties"]["area_m2"] for f in every)
    slim = api.collection_items("parcels", limit=5, properties="unit_code,land_use")
    assert all(set(f["properties"]) == {"unit_code", "land_use"} for f in slim["features"])
    sortables = httpx.get(f"{live_server}/ogc/collections/parcels/sortables").json()
    assert "area_m2" in sortables["properties"]


def test_planners_client_sorts_and_selects(live_server: str, live_parcels: int) -> None:
    with Client(live_server) as planners:
        every = planners.items("parcels", page_size=250, properties=[])
        assert len(every) == live_parcels and every.index.is_unique  # next links followed
        gdf = planners.items(
            "parcels",
            sortby=["land_use", "-area_m2"],
            properties=["land_use", "area_m2"],
            limit=120,
            page_size=50,
        )
    assert list(gdf.columns) == ["geometry", "land_use", "area_m2"]
    assert len(gdf) == 120 and gdf.crs.to_epsg() == 4490
    keys = list(zip(gdf["land_use"], -gdf["area_m2"], strict=True))
    assert keys == sorted(keys)  # across pages of the client's own size


def test_gdal_and_owslib_read_the_register_as_it_was(live_server: str, live_parcels: int) -> None:
    """``datetime`` on the versioned parcels, through GDAL (a query string on the OAPIF
    URL) and OWSLib: before the register existed nothing, today every current parcel."""
    url = f"OAPIF:{live_server}/ogc/collections/parcels"
    then = _ogrinfo("-so", "-al", f"{url}?datetime=1990-01-01T00:00:00Z")
    assert "Feature Count: 0" in then
    today = _ogrinfo("-so", "-al", f"{url}?datetime=2999-01-01T00:00:00Z")
    assert f"Feature Count: {live_parcels}" in today and "valid_from" in today
    api = Features(f"{live_server}/ogc")
    assert api.collection_items("parcels", datetime_="1990-01-01T00:00:00Z")["features"] == []
    now = api.collection_items("parcels", datetime_="2999-01-01T00:00:00Z", limit=3)
    assert now["numberMatched"] == live_parcels and "valid_from" in now["features"][0]["properties"]
