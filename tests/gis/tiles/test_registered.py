"""Every collection the domains register (landgis/collections.py) is served as tiles."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from gis.tiles.matrix import TileAddress
from gis.tiles.tilesets import layer_name
from tests.gis.tiles.conftest import url
from tests.gis.tiles.mvt import decode


def test_every_registered_collection_gives_tiles_and_tilejson(
    client: TestClient, auth: Callable[[str], dict[str, str]], z14: TileAddress
) -> None:
    registered = client.app.state.catalog.all()  # type: ignore[attr-defined]
    assert registered, "landgis registers collections at start-up"
    admin = auth("admin")
    for c in registered:
        zoom = max(c.min_zoom, min(14, c.max_zoom))
        tile = TileAddress(zoom, z14.x >> (14 - zoom), z14.y >> (14 - zoom)) if zoom <= 14 else z14
        r = client.get(url(tile, c.id), headers=admin)
        assert r.status_code in (200, 204), (c.id, r.text)
        assert set(decode(r.content)) <= {layer_name(c)}  # an overview draws its parent layer
        tj = client.get(
            f"/ogc/collections/{c.id}/tiles/WebMercatorQuad/tilejson.json", headers=admin
        )
        assert tj.status_code == 200, (c.id, tj.text)
        assert [v["id"] for v in tj.json()["vector_layers"]] == [layer_name(c)]
    base = client.get(url(z14))
    assert base.status_code == 200
    public = {c.id for c in registered if c.public}
    assert set(decode(base.content)) <= public
    assert "parcels" in decode(base.content)
