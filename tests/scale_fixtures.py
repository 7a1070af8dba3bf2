"""Committed data for the multi-process tests (issue 15): a planner's token and a zoning
zone with the z14 tile that holds it; the zone's name is put back afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from gis.auth.service import add_user, issue_token
from gis.tiles.matrix import TileAddress
from tests.gis.tiles.conftest import tile_at, url
from tests.gis.tiles.mvt import decode

ZONING = "plan_zoning"
Z = 14


@dataclass(frozen=True)
class Zone:
    """A zone of the zoning plan in force, its tile, and a planner's headers."""

    id: int
    tile: TileAddress
    headers: dict[str, str]
    point: tuple[float, float]  # lon/lat of a point inside the zone

    @property
    def item(self) -> str:
        return f"/ogc/collections/{ZONING}/items/{self.id}"

    @property
    def tile_url(self) -> str:
        return url(self.tile, ZONING)

    def rename(self, client: httpx.Client, name: str) -> httpx.Response:
        """PATCH the zone's name through ``client`` (If-Match: * : a blind, idempotent edit)."""
        body = {"properties": {"name": name}}
        headers = self.headers | {"If-Match": "*", "Content-Type": "application/merge-patch+json"}
        return client.patch(self.item, json=body, headers=headers)

    def name_in_tile(self, data: bytes) -> str | None:
        """The zone's name as the tile ``data`` draws it (None when absent)."""
        layer = decode(data).get(ZONING) if data else None
        for f in layer.features if layer is not None else []:
            if f.get("id") == self.id:
                return str(f["properties"].get("name"))
        return None


@pytest.fixture(scope="module", name="zone")
def scale_zone(engine: Engine) -> Iterator[Zone]:
    """A zoning zone with its tile and a committed planner; the zone's name is restored."""
    with Session(engine) as s:
        row = s.execute(
            text(
                "SELECT z.id, z.name, ST_X(p), ST_Y(p) FROM plan_zone z, "
                "LATERAL ST_Transform(ST_PointOnSurface(z.geom), 4326) p "
                "WHERE z.layer = 'zoning' AND z.edition_id = "
                "(SELECT id FROM plan_edition WHERE in_force) ORDER BY z.id LIMIT 1"
            )
        ).one()
        user = add_user(
            s, f"scale-planner-{uuid.uuid4().hex[:8]}", "correct horse battery", "planner"
        )
        token = issue_token(user)
        s.commit()
    try:
        headers = {"Authorization": f"Bearer {token}"}
        yield Zone(row[0], tile_at(row[2], row[3], Z), headers, (row[2], row[3]))
    finally:
        with Session(engine) as s:
            s.execute(
                text("UPDATE plan_zone SET name = :n WHERE id = :id"), {"n": row[1], "id": row[0]}
            )
            s.commit()
