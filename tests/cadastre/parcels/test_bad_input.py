"""Bad input to parcel edits: each is a 4xx problem naming the field, and nothing changes."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import LineString, mapping, shape
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.cadastre.parcels.conftest import etag_of, snapshot

API = "/api/v1/parcels"
BOWTIE = {
    "type": "Polygon",
    "coordinates": [
        [[113.7, 23.0], [113.701, 23.001], [113.701, 23.0], [113.7, 23.001], [113.7, 23.0]]
    ],
}


def _refused(r: Any, status: int, field: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = r.json()
    assert body["field"] == field, body
    return body


def test_invalid_geometry_refused_with_reason_and_location(
    client: TestClient, auth: Any, pair: tuple[str, str], db: Session
) -> None:
    before = snapshot(db)
    body = {"geometry": BOWTIE, "subzone_code": pair[0][:12], "land_use": "0701"}
    problem = _refused(client.post(API, json=body, headers=auth("registrar")), 422, "geometry")
    assert "Self-intersection" in problem["detail"]
    assert problem["location"] == pytest.approx([113.7005, 23.0005])
    a = shape(client.get(f"{API}/{pair[0]}").json()["geometry"]).geoms[0]
    parts = {"parts": [BOWTIE, mapping(a)]}
    headers = {**auth("registrar"), "If-Match": etag_of(client, pair[0])}
    _refused(client.post(f"{API}/{pair[0]}/split", json=parts, headers=headers), 422, "parts.0")
    assert snapshot(db) == before


def test_overlapping_new_parcel(
    client: TestClient, auth: Any, pair: tuple[str, str], db: Session
) -> None:
    before = snapshot(db)
    existing = client.get(f"{API}/{pair[0]}").json()["geometry"]
    body = {"geometry": existing, "subzone_code": pair[0][:12], "land_use": "0701"}
    problem = _refused(client.post(API, json=body, headers=auth("registrar")), 422, "geometry")
    assert pair[0] in problem["overlaps"] and "overlaps current parcel" in problem["detail"]
    assert snapshot(db) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"land_use": "0799"}, "land_use"),
        ({"land_use": "13"}, "land_use"),
        ({"geometry": {"type": "Point", "coordinates": [113.7, 23.0]}}, "geometry"),
        (
            {
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [[500000, 2540000], [500010, 2540000], [500010, 2540010], [500000, 2540000]]
                    ],
                }
            },
            "geometry",
        ),
    ],
)
def test_bad_change_values(
    client: TestClient, auth: Any, pair: tuple[str, str], db: Session, body: Any, field: str
) -> None:
    before = snapshot(db)
    headers = {**auth("registrar"), "If-Match": etag_of(client, pair[0])}
    _refused(client.patch(f"{API}/{pair[0]}", json=body, headers=headers), 422, field)
    assert snapshot(db) == before


def test_malformed_unit_code_and_unknown_land_use_in_edits(
    client: TestClient, auth: Any, pair: tuple[str, str], db: Session
) -> None:
    before = snapshot(db)
    headers = {**auth("registrar"), "If-Match": etag_of(client, pair[0])}
    merge = {"unit_codes": [pair[0], "4419000010X1GB00001W00000000"]}
    _refused(client.post(f"{API}/merge", json=merge, headers=headers), 422, "unit_code")
    g = shape(client.get(f"{API}/{pair[0]}").json()["geometry"])
    x = g.centroid.x
    line = mapping(LineString([(x, g.bounds[1] - 0.001), (x, g.bounds[3] + 0.001)]))
    split = {"line": line, "land_uses": ["0701", "9999"]}
    _refused(client.post(f"{API}/{pair[0]}/split", json=split, headers=headers), 422, "land_uses.1")
    inside = mapping(LineString([(x, g.centroid.y), (x + 1e-7, g.centroid.y)]))
    _refused(
        client.post(f"{API}/{pair[0]}/split", json={"line": inside}, headers=headers), 422, "line"
    )
    assert snapshot(db) == before


def test_stale_and_missing_etag(
    client: TestClient, auth: Any, pair: tuple[str, str], db: Session
) -> None:
    code = pair[0]
    stale = etag_of(client, code)
    ok = client.patch(
        f"{API}/{code}", json={"land_use": "0809"}, headers={**auth("registrar"), "If-Match": stale}
    )
    assert ok.status_code == 200
    before = snapshot(db)
    current = etag_of(client, code)
    problem = _refused(
        client.patch(
            f"{API}/{code}",
            json={"land_use": "0701"},
            headers={**auth("registrar"), "If-Match": stale},
        ),
        412,
        "If-Match",
    )
    assert current in problem["detail"]
    _refused(
        client.patch(f"{API}/{code}", json={"land_use": "0701"}, headers=auth("registrar")),
        428,
        "If-Match",
    )
    merge = {"unit_codes": list(pair)}
    _refused(
        client.post(f"{API}/merge", json=merge, headers={**auth("registrar"), "If-Match": current}),
        412,
        "If-Match",
    )
    assert snapshot(db) == before and etag_of(client, code) == current


def test_wrong_role_and_no_token(
    client: TestClient, auth: Any, pair: tuple[str, str], db: Session
) -> None:
    before = snapshot(db)
    tag = etag_of(client, pair[0])
    for role in ("planner", "surveyor", "bidder"):
        r = client.delete(f"{API}/{pair[0]}", headers={**auth(role), "If-Match": tag})
        assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
    r = client.delete(f"{API}/{pair[0]}", headers={"If-Match": tag})
    assert r.status_code == 401 and r.json()["field"] == "Authorization"
    assert snapshot(db) == before


def test_adjust_that_moves_the_outer_boundary(
    client: TestClient, auth: Any, pair: tuple[str, str], db: Session
) -> None:
    a, b = pair
    ga = shape(client.get(f"{API}/{a}").json()["geometry"])
    before = snapshot(db)
    headers = {**auth("registrar"), "If-Match": f"{etag_of(client, a)}, {etag_of(client, b)}"}
    body = {"neighbour": b, "geometry": mapping(ga.buffer(0.0001))}
    problem = _refused(
        client.post(f"{API}/{a}/adjust", json=body, headers=headers), 422, "geometry"
    )
    assert "only their shared boundary may move" in problem["detail"]
    assert snapshot(db) == before


def test_seized_parcel_takes_no_edit(
    client: TestClient, auth: Any, pair: tuple[str, str], db: Session
) -> None:
    db.execute(
        text(
            "INSERT INTO rrr (unit_code, kind, rrr_type, begin_lifespan) "
            "VALUES (:c, 'restriction', 'seizure', now() - interval '1 day')"
        ),
        {"c": pair[0]},
    )
    before = snapshot(db)
    headers = {
        **auth("registrar"),
        "If-Match": f"{etag_of(client, pair[0])}, {etag_of(client, pair[1])}",
    }
    problem = _refused(
        client.post(f"{API}/merge", json={"unit_codes": list(pair)}, headers=headers),
        409,
        "unit_code",
    )
    assert "seized" in problem["detail"] and snapshot(db) == before


@pytest.mark.parametrize(
    ("subzone", "reason"),
    [
        ("110100001001", "county 110100"),
        ("441900099001", "zone 441900099"),
        ("441900001999", "subzone 441900001999"),
        ("4419000010", "12 digits"),
    ],
)
def test_create_in_unknown_subzone(
    client: TestClient, auth: Any, pair: tuple[str, str], db: Session, subzone: str, reason: str
) -> None:
    before = snapshot(db)
    square = {
        "type": "Polygon",
        "coordinates": [[[0.5, 0.5], [0.6, 0.5], [0.6, 0.6], [0.5, 0.6], [0.5, 0.5]]],
    }
    body = {"geometry": square, "subzone_code": subzone, "land_use": "0701"}
    problem = _refused(client.post(API, json=body, headers=auth("registrar")), 422, "subzone_code")
    assert reason in problem["detail"]
    assert snapshot(db) == before
