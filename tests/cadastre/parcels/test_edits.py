"""Parcel edits through the API: split, merge, boundary adjustment, create, retire.

Each edit closes the old versions and opens new ones with new unit codes; each
refused edit is a 4xx problem naming the field, and the register is unchanged.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from shapely.geometry import LineString, mapping, shape
from shapely.ops import split as shp_split
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.cadastre.parcels.conftest import etag_of, snapshot

API = "/api/v1/parcels"


def _geom(client: TestClient, code: str) -> Any:
    return shape(client.get(f"{API}/{code}").json()["geometry"])


def _cut(client: TestClient, code: str) -> LineString:
    g = _geom(client, code)
    minx, miny, maxx, maxy = g.bounds
    x = g.centroid.x
    return LineString([(x, miny - 0.001), (x, maxy + 0.001)])


def _headers(auth: Any, *tags: str) -> dict[str, str]:
    return {**auth("registrar"), "If-Match": ", ".join(tags)}


def test_split_by_line(client: TestClient, auth: Any, pair: tuple[str, str], db: Session) -> None:
    code = pair[0]
    parent = client.get(f"{API}/{code}").json()["properties"]
    r = client.post(
        f"{API}/{code}/split",
        json={"line": mapping(_cut(client, code))},
        headers=_headers(auth, etag_of(client, code)),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["retired"] == [code] and len(body["created"]) == 2
    new_codes = [f["id"] for f in body["created"]]
    assert code not in new_codes and all(c[:14] == code[:14] for c in new_codes)
    assert abs(sum(f["properties"]["area_m2"] for f in body["created"]) - parent["area_m2"]) < 0.05
    old = client.get(f"{API}/{code}").json()["properties"]
    assert old["retired"] is True
    history = client.get(f"{API}/{new_codes[0]}/history").json()
    assert history["edits"][0]["parents"] == [code]
    assert sorted(history["edits"][0]["children"]) == sorted(new_codes)
    max_seq = db.execute(
        text(
            "SELECT max(substr(parcel_code, 15, 5)::int) FROM parcel "
            "WHERE subzone_code = :s AND NOT (unit_code = ANY(:n))"
        ),
        {"s": code[:12], "n": new_codes},
    ).scalar()
    assert max_seq is not None
    assert sorted(int(c[14:19]) for c in new_codes) == [max_seq + 1, max_seq + 2]


def test_split_into_parts_and_parts_that_do_not_cover(
    client: TestClient, auth: Any, pair: tuple[str, str], db: Session
) -> None:
    code = pair[1]
    g = _geom(client, code)
    a, b = shp_split(g.geoms[0], _cut(client, code)).geoms
    before = snapshot(db)
    short = client.post(
        f"{API}/{code}/split",
        json={"parts": [mapping(a), mapping(a.buffer(-0.00001))]},
        headers=_headers(auth, etag_of(client, code)),
    )
    assert short.status_code == 422 and short.json()["field"] == "parts"
    assert snapshot(db) == before
    ok = client.post(
        f"{API}/{code}/split",
        json={"parts": [mapping(a), mapping(b)], "land_uses": ["0701", "0810"]},
        headers=_headers(auth, etag_of(client, code)),
    )
    assert ok.status_code == 200, ok.text
    uses = [f["properties"]["land_use"]["code"] for f in ok.json()["created"]]
    assert uses == ["0701", "0810"]


def test_merge_touching_and_refuse_apart(
    client: TestClient, auth: Any, pair: tuple[str, str], db: Session
) -> None:
    a, b = pair
    area = sum(client.get(f"{API}/{c}").json()["properties"]["area_m2"] for c in pair)
    r = client.post(
        f"{API}/merge",
        json={"unit_codes": [a, b]},
        headers=_headers(auth, etag_of(client, a), etag_of(client, b)),
    )
    assert r.status_code == 200, r.text
    (merged,) = r.json()["created"]
    assert abs(merged["properties"]["area_m2"] - area) < 0.05
    assert (
        merged["geometry"]["type"] == "MultiPolygon" and len(merged["geometry"]["coordinates"]) == 1
    )
    far = db.execute(
        text(
            "SELECT unit_code FROM parcel WHERE end_lifespan IS NULL AND subzone_code = :s "
            "AND substr(unit_code, 13, 2) = :k AND NOT ST_DWithin(geom, "
            "(SELECT geom FROM parcel WHERE unit_code = :m AND end_lifespan IS NULL), 0.001) "
            "LIMIT 1"
        ),
        {"s": a[:12], "k": a[12:14], "m": merged["id"]},
    ).scalar_one()
    before = snapshot(db)
    apart = client.post(
        f"{API}/merge",
        json={"unit_codes": [merged["id"], far]},
        headers=_headers(auth, etag_of(client, merged["id"]), etag_of(client, far)),
    )
    assert apart.status_code == 422 and apart.json()["field"] == "unit_codes"
    assert "touch" in apart.json()["detail"] and snapshot(db) == before


def test_adjust_shared_boundary(client: TestClient, auth: Any, pair: tuple[str, str]) -> None:
    a, b = pair
    ga, gb = _geom(client, a), _geom(client, b)
    new_a = ga.buffer(0.00002).intersection(ga.union(gb))
    total = ga.area + gb.area
    r = client.post(
        f"{API}/{a}/adjust",
        json={"neighbour": b, "geometry": mapping(new_a)},
        headers=_headers(auth, etag_of(client, a), etag_of(client, b)),
    )
    assert r.status_code == 200, r.text
    created = r.json()["created"]
    assert sorted(r.json()["retired"]) == sorted([a, b]) and len(created) == 2
    got = [shape(f["geometry"]) for f in created]
    assert abs(sum(g.area for g in got) - total) / total < 1e-6
    assert got[0].area > ga.area and got[1].area < gb.area
    assert got[0].intersection(got[1]).area / total < 1e-9


def test_create_on_free_land_and_refuse_overlap(client: TestClient, auth: Any, db: Session) -> None:
    spot = db.execute(
        text(
            "SELECT s.code, ST_X(pt) x, ST_Y(pt) y FROM cadastral_subzone s, LATERAL ("
            " SELECT ST_PointOnSurface(ST_Difference(s.geom, ST_Buffer(ST_Union(p.geom), 0.0001)))"
            " AS pt FROM parcel p WHERE p.subzone_code = s.code AND p.end_lifespan IS NULL) q "
            "WHERE NOT ST_IsEmpty(pt) ORDER BY s.code LIMIT 1"
        )
    ).one()
    d = 0.00001
    square = {
        "type": "Polygon",
        "coordinates": [
            [
                [spot.x - d, spot.y - d],
                [spot.x + d, spot.y - d],
                [spot.x + d, spot.y + d],
                [spot.x - d, spot.y + d],
                [spot.x - d, spot.y - d],
            ]
        ],
    }
    body = {"geometry": square, "subzone_code": spot.code, "land_use": "0702", "right_type": "C"}
    r = client.post(API, json=body, headers=auth("registrar"))
    assert r.status_code == 201, r.text
    (made,) = r.json()["created"]
    assert made["id"][12:14] == "GC" and made["properties"]["reg_status"]["code"] == "unregistered"
    before = snapshot(db)
    again = client.post(API, json=body, headers=auth("registrar"))
    assert again.status_code == 422 and again.json()["field"] == "geometry"
    assert made["id"] in again.json()["overlaps"] and again.json()["location"]
    assert snapshot(db) == before


def test_retire_and_edit_of_retired_version(
    client: TestClient, auth: Any, pair: tuple[str, str], db: Session
) -> None:
    code = pair[0]
    tag = etag_of(client, code)
    r = client.delete(f"{API}/{code}", headers=_headers(auth, tag))
    assert r.status_code == 200 and r.json()["retired"] == [code]
    before = snapshot(db)
    again = client.patch(f"{API}/{code}", json={"land_use": "0701"}, headers=_headers(auth, tag))
    assert again.status_code == 409 and again.json()["field"] == "unit_code"
    split = client.post(
        f"{API}/{code}/split",
        json={"line": mapping(_cut(client, code))},
        headers=_headers(auth, tag),
    )
    assert split.status_code == 409
    assert snapshot(db) == before


def test_retired_codes_are_never_reused(client: TestClient, auth: Any, db: Session) -> None:
    top = db.execute(
        text(
            "SELECT unit_code FROM parcel WHERE end_lifespan IS NULL AND subzone_code = "
            "(SELECT min(subzone_code) FROM parcel) ORDER BY substr(parcel_code, 15) DESC LIMIT 1"
        )
    ).scalar_one()
    r = client.delete(f"{API}/{top}", headers=_headers(auth, etag_of(client, top)))
    assert r.status_code == 200
    neighbour = db.execute(
        text(
            "SELECT unit_code FROM parcel WHERE end_lifespan IS NULL AND subzone_code = :s "
            "AND substr(unit_code, 13, 2) = :k ORDER BY parcel_code DESC LIMIT 1"
        ),
        {"s": top[:12], "k": top[12:14]},
    ).scalar_one()
    r = client.post(
        f"{API}/{neighbour}/split",
        json={"line": mapping(_cut(client, neighbour))},
        headers=_headers(auth, etag_of(client, neighbour)),
    )
    assert r.status_code == 200, r.text
    seqs = sorted(int(f["id"][14:19]) for f in r.json()["created"])
    assert seqs == [int(top[14:19]) + 1, int(top[14:19]) + 2]


def test_list_as_of_before_and_after_a_split(
    client: TestClient, auth: Any, pair: tuple[str, str]
) -> None:
    code = pair[0]
    before = client.get(f"{API}/{code}").json()["properties"]["begin_lifespan"]
    r = client.post(
        f"{API}/{code}/split",
        json={"line": mapping(_cut(client, code))},
        headers=_headers(auth, etag_of(client, code)),
    )
    assert r.status_code == 200
    children = {f["id"] for f in r.json()["created"]}
    prefix: dict[str, str | int] = {"q": code[:12], "limit": 10000}
    now = {f["id"] for f in client.get(API, params=prefix).json()["features"]}
    then = {f["id"] for f in client.get(API, params={**prefix, "at": before}).json()["features"]}
    assert code in then and not children & then
    assert code not in now and children <= now
    assert len(now) == len(then) + 1
