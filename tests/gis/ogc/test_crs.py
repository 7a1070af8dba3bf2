"""OGC API Features Part 2: output CRS, axis order and bbox-crs."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from pyproj import Transformer

EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def _first_point(client: TestClient, crs: str | None) -> tuple[list[float], str]:
    params: dict[str, Any] = {"limit": 1, **({"crs": crs} if crs else {})}
    r = client.get("/ogc/collections/parcels/items", params=params)
    assert r.status_code == 200
    return r.json()["features"][0]["geometry"]["coordinates"][0][0][0], r.headers["content-crs"]


def test_default_is_crs84_lon_lat(client: TestClient) -> None:
    (x, y), header = _first_point(client, None)
    assert header == f"<{CRS84}>"
    assert 113 < x < 115 and 22 < y < 24


@pytest.mark.parametrize("code", ["4490", "4326"])
def test_geographic_epsg_is_lat_lon(client: TestClient, code: str) -> None:
    (lon, lat), _ = _first_point(client, None)
    (a, b), header = _first_point(client, EPSG + code)
    assert header == f"<{EPSG}{code}>"
    assert (a, b) == (lat, lon)


def test_projected_crs(client: TestClient) -> None:
    (lon, lat), _ = _first_point(client, None)
    (north, east), header = _first_point(client, EPSG + "4547")
    e, n = Transformer.from_crs(4490, 4547, always_xy=True).transform(lon, lat)
    assert header == f"<{EPSG}4547>"
    assert east == pytest.approx(e, abs=0.05) and north == pytest.approx(n, abs=0.05)
    (x, y), _ = _first_point(client, EPSG + "3857")
    wx, wy = Transformer.from_crs(4490, 3857, always_xy=True).transform(lon, lat)
    assert x == pytest.approx(wx, abs=0.05) and y == pytest.approx(wy, abs=0.05)


def test_bbox_crs_in_each_axis_order(client: TestClient) -> None:
    ext = client.get("/ogc/collections/parcels").json()["extent"]["spatial"]["bbox"][0]
    cx, cy = (ext[0] + ext[2]) / 2, (ext[1] + ext[3]) / 2
    d = 0.002
    crs84 = f"{cx - d},{cy - d},{cx + d},{cy + d}"
    lat_lon = f"{cy - d},{cx - d},{cy + d},{cx + d}"
    t = Transformer.from_crs(4490, 3857, always_xy=True)
    x0, y0 = t.transform(cx - d, cy - d)
    x1, y1 = t.transform(cx + d, cy + d)
    merc = f"{x0},{y0},{x1},{y1}"

    def ids(box: str, bbox_crs: str | None) -> set[str]:
        params: dict[str, Any] = {"bbox": box, "limit": 1000}
        params.update({"bbox-crs": bbox_crs} if bbox_crs else {})
        r = client.get("/ogc/collections/parcels/items", params=params)
        assert r.status_code == 200, r.text
        return {f["id"] for f in r.json()["features"]}

    base = ids(crs84, None)
    assert base
    assert ids(lat_lon, EPSG + "4490") == base
    assert ids(crs84, CRS84) == base
    assert ids(merc, EPSG + "3857") >= base


def test_unsupported_crs_and_bad_bbox(client: TestClient) -> None:
    cases = [
        ({"crs": EPSG + "2000"}, "crs"),
        ({"bbox": "1,2,3,4", "bbox-crs": "EPSG:9999"}, "bbox-crs"),
        ({"bbox": "114,23,113,24"}, "bbox"),
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "a,b,c,d"}, "bbox"),
        ({"datetime": "yesterday"}, "datetime"),
    ]
    for params, field in cases:
        r = client.get("/ogc/collections/parcels/items", params=params)
        assert r.status_code == 400, params
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["field"] == field


def test_out_of_domain_coordinates_are_400_not_500(client: TestClient) -> None:
    cases = [
        ({"bbox": "0,0,1e12,1e12", "bbox-crs": EPSG + "4547"}, "bbox"),
        ({"bbox": "nan,nan,nan,nan"}, "bbox"),
        (
            {"filter": "S_INTERSECTS(geometry, POINT(1e12 1e12))", "filter-crs": EPSG + "4547"},
            "filter",
        ),
    ]
    for params, field in cases:
        r = client.get("/ogc/collections/parcels/items", params=params)
        assert r.status_code == 400, params
        assert r.json()["field"] == field
    assert client.get("/ogc/collections/parcels/items?limit=1").status_code == 200
