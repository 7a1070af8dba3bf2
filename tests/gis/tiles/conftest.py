"""Fixtures of the tile tests: a registry holding only the test collections, clients,
and the address of a z14 tile in the middle of the demo district."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from gis.collections import Catalog, Collection
from gis.db import get_session
from gis.tiles.matrix import TMS, TileAddress

PARCELS = Collection(
    id="parcels",
    title="宗地 parcels",
    description="current cadastral parcels",
    table="parcel",
    properties={
        "unit_code": "string",
        "land_use": "string",
        "area_m2": "number",
        "reg_status": "string",
    },
    where="end_lifespan IS NULL",
    min_zoom=12,
)
ZONES = Collection(
    id="plan-zones",
    title="规划分区 plan zones",
    description="zones of the plan",
    table="plan_zone",
    properties={"layer": "string", "code": "string", "name": "string"},
    where="edition_id = (SELECT id FROM plan_edition WHERE in_force)",
)
ROADS = Collection(
    id="roads",
    title="道路 roads",
    description="road centre lines",
    table="road",
    properties={"name": "string", "road_class": "string", "width_m": "number"},
    geometry_type="LineString",
)
SECRET = Collection(
    id="secret-parcels",
    title="restricted parcels",
    description="needs a registrar",
    table="parcel",
    properties={"unit_code": "string"},
    where="end_lifespan IS NULL",
    public=False,
    read_roles=frozenset({"registrar"}),
)
LIMITED = Collection(
    id="few-parcels",
    title="parcels, at most 5 per tile",
    description="feature limit test",
    table="parcel",
    properties={"unit_code": "string"},
    where="end_lifespan IS NULL",
    public=False,
    extra={"tile_feature_limit": 5},
)
TEST_COLLECTIONS = [ZONES, ROADS, PARCELS, SECRET, LIMITED]


@pytest.fixture
def registry() -> Catalog:
    """A catalog of only the test collections (what make_app's apps serve)."""
    return Catalog(TEST_COLLECTIONS)


def make_app() -> FastAPI:
    """The app serving only the test collections (its own catalog: nothing global)."""
    from landgis.app import create_app

    app = create_app()
    app.state.catalog = Catalog(TEST_COLLECTIONS)
    return app


@pytest.fixture
def tiles_client(db: Session, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The app on the test's rolled-back session, with the test collections registered."""
    app = make_app()
    app.dependency_overrides[get_session] = lambda: db
    with TestClient(app) as c:
        yield c


@pytest.fixture
def committed_client(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The app with real sessions on the test database (sees only committed data)."""
    app = make_app()
    with TestClient(app) as c:
        yield c


def tile_at(lon: float, lat: float, z: int) -> TileAddress:
    t = TMS.tile(lon, lat, z)
    return TileAddress(t.z, t.x, t.y)


@pytest.fixture(scope="session")
def centre(engine: Engine) -> tuple[float, float]:
    """Lon/lat of the centroid of the current parcels' extent."""
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(ST_Extent(geom)::geometry) c "
                "FROM parcel WHERE end_lifespan IS NULL) s"
            )
        ).one()
    return float(row[0]), float(row[1])


@pytest.fixture(scope="session")
def z14(centre: tuple[float, float]) -> TileAddress:
    return tile_at(*centre, 14)


def url(tile: TileAddress, collection: str | None = None) -> str:
    """Tile URL of a collection, or of the base map."""
    path = f"/ogc/collections/{collection}/tiles" if collection else "/ogc/tiles"
    return f"{path}/WebMercatorQuad/{tile.z}/{tile.y}/{tile.x}"  # OGC: matrix/row/col


def far_tile(tile: TileAddress, steps: int = 40) -> TileAddress:
    """A tile of the same zoom far from ``tile`` (no demo data there)."""
    return TileAddress(tile.z, tile.x + steps, tile.y + steps)
