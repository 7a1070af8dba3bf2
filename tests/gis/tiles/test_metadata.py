"""OGC API Tiles documents: tile matrix sets, tilesets, tileset metadata and TileJSON."""

from __future__ import annotations

from fastapi.testclient import TestClient

from gis.tiles.matrix import TileAddress

OGC_REL = "http://www.opengis.net/def/rel/ogc/1.0/"


def link(doc: dict, rel: str) -> dict:
    return next(x for x in doc["links"] if x["rel"] == rel)


def test_tile_matrix_sets(tiles_client: TestClient) -> None:
    listing = tiles_client.get("/ogc/tileMatrixSets").json()
    [tms] = listing["tileMatrixSets"]
    assert tms["id"] == "WebMercatorQuad"
    assert tms["uri"] == "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
    definition = tiles_client.get(link(tms, "self")["href"]).json()
    assert definition["id"] == "WebMercatorQuad"
    assert definition["crs"] == "http://www.opengis.net/def/crs/EPSG/0/3857"
    assert len(definition["tileMatrices"]) == 25
    assert definition["tileMatrices"][14]["matrixWidth"] == 2**14


def test_collection_tileset_links_lead_to_tiles(tiles_client: TestClient, z14: TileAddress) -> None:
    sets = tiles_client.get("/ogc/collections/parcels/tiles").json()
    [ts] = sets["tilesets"]
    assert ts["dataType"] == "vector"
    meta = tiles_client.get(link(ts, "self")["href"]).json()
    assert link(meta, OGC_REL + "tiling-scheme")["href"].endswith(
        "/ogc/tileMatrixSets/WebMercatorQuad"
    )
    item = link(meta, "item")
    assert item["templated"] and item["type"] == "application/vnd.mapbox-vector-tile"
    href = (
        item["href"]
        .replace("{tileMatrix}", str(z14.z))
        .replace("{tileRow}", str(z14.y))
        .replace("{tileCol}", str(z14.x))
    )
    assert tiles_client.get(href).status_code == 200
    [layer] = meta["layers"]
    assert layer["id"] == "parcels" and layer["minTileMatrix"] == "12"
    assert layer["propertiesSchema"]["properties"]["area_m2"] == {"type": "number"}
    assert meta["tileMatrixSetLimits"][0]["tileMatrix"] == "12"


def test_tilejson_for_maplibre_and_qgis(
    tiles_client: TestClient, centre: tuple[float, float]
) -> None:
    tj = tiles_client.get("/ogc/collections/parcels/tiles/WebMercatorQuad/tilejson.json").json()
    assert tj["tilejson"] == "3.0.0"
    assert tj["tiles"][0].endswith("/ogc/collections/parcels/tiles/WebMercatorQuad/{z}/{y}/{x}")
    west, south, east, north = tj["bounds"]
    assert west < centre[0] < east and south < centre[1] < north
    assert tj["minzoom"] == 12 and tj["maxzoom"] == 22
    [layer] = tj["vector_layers"]
    assert layer["fields"] == {
        "unit_code": "String",
        "land_use": "String",
        "area_m2": "Number",
        "reg_status": "String",
    }
    assert tj["feature_limit"] == {"parcels": 50000}


def test_basemap_documents_list_public_layers(tiles_client: TestClient) -> None:
    tj = tiles_client.get("/ogc/tiles/WebMercatorQuad/tilejson.json").json()
    assert [v["id"] for v in tj["vector_layers"]] == ["plan-zones", "roads", "parcels"]
    assert tj["minzoom"] == 0
    sub = tiles_client.get("/ogc/tiles/WebMercatorQuad/tilejson.json?collections=roads").json()
    assert sub["tiles"][0].endswith("/ogc/tiles/WebMercatorQuad/{z}/{y}/{x}?collections=roads")
    meta = tiles_client.get("/ogc/tiles/WebMercatorQuad").json()
    assert [x["id"] for x in meta["layers"]] == ["plan-zones", "roads", "parcels"]
    assert tiles_client.get("/ogc/tiles").json()["tilesets"][0]["dataType"] == "vector"


def test_links_for_the_ogc_documents_resolve(tiles_client: TestClient) -> None:
    """The links the OGC API Features documents can carry lead to tile documents."""
    from gis.tiles.service import tile_links

    base = "http://testserver"
    links = tile_links(base) + tile_links(base, "parcels")
    assert {x["rel"].rsplit("/", 1)[1] for x in links} == {"tilesets-vector", "tiling-schemes"}
    for x in links:
        r = tiles_client.get(x["href"].removeprefix(base))
        assert r.status_code == 200, x
