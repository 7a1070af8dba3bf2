"""The register through time over OGC API Features: a parcel split at T and its parts
merged at T2 read before T, between T and T2 and after T2 (``datetime``), each version
with valid_from/valid_to, the version list, and 410 Gone with successor links."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from shapely.geometry import LineString, mapping, shape
from sqlalchemy.orm import Session

from cadastre.parcels import repository as repo
from tests.cadastre.parcels.conftest import etag_of

API = "/api/v1/parcels"
ITEMS = "/ogc/collections/parcels/items"


def _registrar(auth: Any, *tags: str) -> dict[str, str]:
    return {**auth("registrar"), "If-Match": ", ".join(tags)}


def _split_and_merge(client: TestClient, auth: Any, db: Session, code: str) -> dict[str, Any]:
    g = shape(client.get(f"{API}/{code}").json()["geometry"])
    x, (_, miny, _, maxy) = g.centroid.x, g.bounds
    cut = LineString([(x, miny - 0.001), (x, maxy + 0.001)])
    before = repo.clock(db)
    r = client.post(
        f"{API}/{code}/split",
        json={"line": mapping(cut)},
        headers=_registrar(auth, etag_of(client, code)),
    )
    assert r.status_code == 200, r.text
    parts = [f["id"] for f in r.json()["created"]]
    between = repo.clock(db)
    r = client.post(
        f"{API}/merge",
        json={"unit_codes": parts},
        headers=_registrar(auth, *(etag_of(client, p) for p in parts)),
    )
    assert r.status_code == 200, r.text
    merged = r.json()["created"][0]["id"]
    after = repo.clock(db)
    return {"code": code, "parts": parts, "merged": merged, "t": (before, between, after)}


def _at(client: TestClient, when: Any, codes: list[str]) -> dict[str, float]:
    cql = " OR ".join(f"unit_code = '{c}'" for c in codes)
    r = client.get(ITEMS, params={"datetime": when.isoformat(), "filter": cql, "limit": 100})
    assert r.status_code == 200, r.text
    return {f["id"]: f["properties"]["area_m2"] for f in r.json()["features"]}


def test_reading_the_register_before_between_and_after(
    client: TestClient, auth: Any, db: Session, pair: tuple[str, str]
) -> None:
    done = _split_and_merge(client, auth, db, pair[0])
    codes = [done["code"], *done["parts"], done["merged"]]
    before, between, after = done["t"]
    then = _at(client, before, codes)
    assert list(then) == [done["code"]]
    middle = _at(client, between, codes)
    assert sorted(middle) == sorted(done["parts"])
    now = _at(client, after, codes)
    assert list(now) == [done["merged"]]
    area = then[done["code"]]
    assert abs(sum(middle.values()) - area) < 0.05 and abs(now[done["merged"]] - area) < 0.05
    # an interval gives every version valid at any time in it
    r = client.get(
        ITEMS,
        params={
            "datetime": f"{before.isoformat()}/{after.isoformat()}",
            "filter": " OR ".join(f"unit_code = '{c}'" for c in codes),
        },
    )
    assert sorted(f["id"] for f in r.json()["features"]) == sorted(codes)


def test_versions_and_gone(
    client: TestClient, auth: Any, db: Session, pair: tuple[str, str]
) -> None:
    done = _split_and_merge(client, auth, db, pair[0])
    gone = client.get(f"{ITEMS}/{done['code']}")
    assert gone.status_code == 410 and gone.headers["content-type"] == "application/problem+json"
    body = gone.json()
    successors = {
        x["href"].rsplit("/", 1)[-1] for x in body["links"] if x["rel"] == "successor-version"
    }
    assert successors == set(done["parts"]) and body["field"] == "featureId"
    part = client.get(f"{ITEMS}/{done['parts'][0]}")
    assert part.status_code == 410
    rels = {(x["rel"], x["href"].rsplit("/", 1)[-1]) for x in part.json()["links"]}
    assert ("successor-version", done["merged"]) in rels
    assert ("predecessor-version", done["code"]) in rels
    current = client.get(f"{ITEMS}/{done['merged']}")
    assert current.status_code == 200
    props = current.json()["properties"]
    assert props["valid_from"] and props["valid_to"] is None
    preds = {
        x["href"].rsplit("/", 1)[-1]
        for x in current.json()["links"]
        if x["rel"] == "predecessor-version"
    }
    assert preds == set(done["parts"])
    history = client.get(f"{ITEMS}/{done['code']}/versions").json()
    [old] = history["features"]
    assert old["properties"]["valid_to"] is not None
    latest = next(x for x in history["links"] if x["rel"] == "latest-version")
    one = client.get(latest["href"].split("testserver")[-1])
    assert one.status_code == 200 and one.json()["id"] == done["code"]
    assert client.get(f"{ITEMS}/{done['code']}/versions/99").status_code == 404
    assert client.get(f"{ITEMS}/441900999999GB99999W99999999/versions").status_code == 404
