"""MVT tiles per collection and for the base map, made in PostGIS, through the HTTP API."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.collections import Catalog
from gis.tiles.matrix import TileAddress
from tests.gis.tiles.conftest import url
from tests.gis.tiles.mvt import decode

MVT = "application/vnd.mapbox-vector-tile"


def _current_parcels_in(db: Session, tile: TileAddress) -> int:
    """Current parcels whose geometry meets the tile (EPSG:3857 envelope, no buffer)."""
    return int(
        db.execute(
            text(
                "SELECT count(*) FROM parcel WHERE end_lifespan IS NULL AND ST_Intersects("
                "ST_Transform(geom, 3857), ST_TileEnvelope(:z, :x, :y))"
            ),
            {"z": tile.z, "x": tile.x, "y": tile.y},
        ).scalar_one()
    )


def test_collection_tile_holds_every_parcel_of_the_tile(
    tiles_client: TestClient, db: Session, z14: TileAddress
) -> None:
    r = tiles_client.get(url(z14, "parcels"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == MVT
    layers = decode(r.content)
    assert list(layers) == ["parcels"]
    feats = layers["parcels"].features
    expected = _current_parcels_in(db, z14)
    assert expected > 10
    assert len(feats) >= expected  # plus those only inside the buffer
    assert f"parcels={len(feats)}" == r.headers["x-tile-features"]
    assert "x-tile-truncated" not in r.headers
    first = feats[0]
    assert isinstance(first["id"], int)
    assert set(first["properties"]) == {"unit_code", "land_use", "area_m2", "reg_status"}
    assert isinstance(first["properties"]["area_m2"], float)
    assert first["type"] == 3  # polygon


def test_basemap_tile_has_one_layer_per_public_collection(
    tiles_client: TestClient, z14: TileAddress
) -> None:
    r = tiles_client.get(url(z14))
    assert r.status_code == 200, r.text
    layers = decode(r.content)
    assert set(layers) <= {"plan-zones", "roads", "parcels"}
    assert {"plan-zones", "parcels"} <= set(layers)
    assert {f["type"] for f in layers["parcels"].features} == {3}


def test_basemap_selection_and_roads_are_lines(tiles_client: TestClient, z14: TileAddress) -> None:
    roads = None
    for dz in range(0, 3):
        tile = TileAddress(z14.z - dz, z14.x >> dz, z14.y >> dz)
        r = tiles_client.get(url(tile) + "?collections=roads")
        if r.status_code == 200:
            roads = decode(r.content)
            break
    assert roads is not None and list(roads) == ["roads"]
    assert {f["type"] for f in roads["roads"].features} == {2}


def test_below_min_zoom_a_layer_is_left_out(tiles_client: TestClient, z14: TileAddress) -> None:
    tile = TileAddress(10, z14.x >> 4, z14.y >> 4)
    layers = decode(tiles_client.get(url(tile)).content)
    assert "parcels" not in layers  # parcels start at z12 (TileJSON says so)
    assert "plan-zones" in layers


def test_empty_tile_is_204(tiles_client: TestClient, z14: TileAddress) -> None:
    r = tiles_client.get(url(TileAddress(14, 0, 0), "parcels"))
    assert r.status_code == 204
    assert r.content == b""
    assert r.headers["x-tile-features"] == "parcels=0"


def test_feature_limit_is_reported_not_hidden(
    tiles_client: TestClient, auth, z14: TileAddress
) -> None:
    r = tiles_client.get(url(z14, "few-parcels"), headers=auth("admin"))
    assert r.status_code == 200
    assert len(decode(r.content)["few-parcels"].features) == 5
    assert r.headers["x-tile-truncated"] == "few-parcels"
    tj = tiles_client.get(
        "/ogc/collections/few-parcels/tiles/WebMercatorQuad/tilejson.json", headers=auth("admin")
    ).json()
    assert tj["feature_limit"] == {"few-parcels": 5}


def test_low_zoom_is_simplified(tiles_client: TestClient, z14: TileAddress) -> None:
    """At z8 the plan zones are drawn with fewer vertices than at z14 (simplified by zoom)."""

    def vertices(tile: TileAddress) -> int:
        layer = decode(tiles_client.get(url(tile, "plan-zones")).content)["plan-zones"]
        return sum(f["ncmd"] for f in layer.features)

    low = TileAddress(8, z14.x >> 6, z14.y >> 6)
    assert vertices(low) < vertices(z14) * 64


def test_etag_and_cache_control(tiles_client: TestClient, z14: TileAddress) -> None:
    first = tiles_client.get(url(z14, "parcels"))
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, no-cache"
    again = tiles_client.get(url(z14, "parcels"), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    other = tiles_client.get(url(z14, "parcels"), headers={"If-None-Match": '"nope"'})
    assert other.status_code == 200 and other.content == first.content


def test_restricted_collection_needs_a_token(
    tiles_client: TestClient, auth, z14: TileAddress
) -> None:
    anon = tiles_client.get(url(z14, "secret-parcels"))
    assert anon.status_code == 401
    assert anon.json()["field"] == "Authorization"
    wrong = tiles_client.get(url(z14, "secret-parcels"), headers=auth("bidder"))
    assert wrong.status_code == 403
    ok = tiles_client.get(url(z14, "secret-parcels"), headers=auth("registrar"))
    assert ok.status_code == 200
    assert ok.headers["cache-control"] == "private, no-cache"
    basemap = decode(tiles_client.get(url(z14)).content)
    assert "secret-parcels" not in basemap and "few-parcels" not in basemap


def test_every_registered_collection_is_tiled(
    tiles_client: TestClient, auth, registry: Catalog, z14: TileAddress
) -> None:
    for cid in (c.id for c in registry.all()):
        r = tiles_client.get(url(z14, cid), headers=auth("admin"))
        assert r.status_code in (200, 204), (cid, r.text)
        if r.status_code == 200:
            assert list(decode(r.content)) == [cid]


def test_features_too_small_to_draw_are_reported(
    tiles_client: TestClient, auth, db: Session, z14: TileAddress
) -> None:
    """At z6 a parcel is smaller than one MVT unit: it cannot be drawn, and the tile says so."""
    tile = TileAddress(6, z14.x >> 8, z14.y >> 8)
    r = tiles_client.get(url(tile, "secret-parcels"), headers=auth("admin"))
    assert r.status_code in (200, 204)
    small = dict(p.split("=") for p in r.headers["x-tile-too-small"].split(", "))
    drawn = dict(p.split("=") for p in r.headers["x-tile-features"].split(", "))
    current = db.execute(text("SELECT count(*) FROM parcel WHERE end_lifespan IS NULL")).scalar()
    assert int(small["secret-parcels"]) > 0
    assert int(small["secret-parcels"]) + int(drawn["secret-parcels"]) == current
