"""Bad tile requests: each is a 4xx application/problem+json naming the field, nothing cached."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.tiles.matrix import TileAddress

BASE = "/ogc/collections/parcels/tiles/WebMercatorQuad"


@pytest.mark.parametrize(
    ("path", "status", "field"),
    [
        # OGC 20-057 order: {tileMatrix}/{tileRow}/{tileCol}
        (f"{BASE}/25/0/0", 422, "tileMatrix"),
        (f"{BASE}/-1/0/0", 422, "tileMatrix"),
        (f"{BASE}/3/8/0", 422, "tileRow"),
        (f"{BASE}/3/0/8", 422, "tileCol"),
        (f"{BASE}/3/0/-1", 422, "tileCol"),
        (f"{BASE}/3/a/0", 422, "path.tileRow"),
        (f"{BASE}/3/0/1.5", 422, "path.tileCol"),
        ("/ogc/collections/parcels/tiles/WorldCRS84Quad/3/0/0", 404, "tileMatrixSetId"),
        ("/ogc/collections/nope/tiles/WebMercatorQuad/3/0/0", 404, "collectionId"),
        ("/ogc/tiles/WebMercatorQuad/3/0/0?collections=nope", 422, "collections"),
        ("/ogc/tiles/WebMercatorQuad/3/0/0?collections=secret-parcels", 422, "collections"),
        ("/ogc/tiles/WebMercatorQuad/30/0/0", 422, "tileMatrix"),
        ("/ogc/tileMatrixSets/EuropeanETRS89_LAEAQuad", 404, "tileMatrixSetId"),
        ("/ogc/collections/nope/tiles/WebMercatorQuad/tilejson.json", 404, "collectionId"),
    ],
)
def test_bad_tile_request(
    tiles_client: TestClient, db: Session, path: str, status: int, field: str
) -> None:
    changes = db.execute(text("SELECT coalesce(max(seq), 0) FROM tile_change")).scalar_one()
    r = tiles_client.get(path)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["field"] == field and body["status"] == status and body["detail"]
    cache = getattr(tiles_client.app.state, "tile_cache", None)  # type: ignore[attr-defined]
    assert cache is None or len(cache) == 0  # nothing was made or cached
    assert db.execute(text("SELECT coalesce(max(seq), 0) FROM tile_change")).scalar_one() == changes


def test_good_tile_after_bad_ones_is_cached(tiles_client: TestClient, z14: TileAddress) -> None:
    """The counter-check of the test above: a valid request does fill the cache."""
    assert tiles_client.get(f"{BASE}/{z14.z}/{z14.y}/{z14.x}").status_code == 200
    assert len(tiles_client.app.state.tile_cache) == 1  # type: ignore[attr-defined]
