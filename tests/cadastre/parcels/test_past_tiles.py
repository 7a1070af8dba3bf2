"""Parcel tiles of a past instant (``?datetime=``): a parcel split at T and merged at T2 is
drawn whole before T, as its parts between T and T2, merged after T2; past tiles are
cached apart from the present; an interval or a malformed instant is refused (422)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from shapely.geometry import shape
from sqlalchemy.orm import Session

from gis.tiles.matrix import TMS
from tests.cadastre.parcels.test_versions_ogc import _split_and_merge
from tests.gis.tiles.mvt import decode

Z = 17


def _tile_url(client: TestClient, code: str) -> str:
    g = shape(client.get(f"/api/v1/parcels/{code}").json()["geometry"])
    p = g.representative_point()
    t = TMS.tile(p.x, p.y, Z)
    return f"/ogc/collections/parcels/tiles/WebMercatorQuad/{Z}/{t.y}/{t.x}"


def _codes(client: TestClient, url: str, when: datetime | None) -> set[str]:
    params = None if when is None else {"datetime": when.isoformat()}
    r = client.get(url, params=params)
    assert r.status_code in (200, 204), r.text
    if r.status_code == 204:
        return set()
    return {f["properties"]["unit_code"] for f in decode(r.content)["parcels"].features}


def test_past_tiles_before_between_and_after(
    client: TestClient, auth: Any, db: Session, pair: tuple[str, str]
) -> None:
    url = _tile_url(client, pair[0])
    done = _split_and_merge(client, auth, db, pair[0])
    before, between, after = done["t"]
    then, middle, now = (_codes(client, url, t) for t in (before, between, after))
    assert done["code"] in then and not set(done["parts"]) & then and done["merged"] not in then
    assert set(done["parts"]) <= middle and done["code"] not in middle
    assert done["merged"] in now and not ({done["code"], *done["parts"]} & now)
    assert _codes(client, url, None) == now  # no datetime: the present
    # the neighbours untouched by the edits are in every state
    assert then - {done["code"]} == middle - set(done["parts"]) == now - {done["merged"]}
    # a date alone is its midnight UTC; long before the register: nothing
    assert _codes(client, url + "?datetime=1990-01-01", None) == set()


def test_past_tile_refusals(client: TestClient, pair: tuple[str, str]) -> None:
    url = _tile_url(client, pair[0])
    bad_ones = ("2026-01-01T00:00:00Z/2026-02-01T00:00:00Z", "yesterday", "..")
    for bad in (*bad_ones, "9999-12-31T23:00:00-05:00"):
        r = client.get(url, params={"datetime": bad})
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["field"] == "datetime"
