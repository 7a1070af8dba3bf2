"""PgBouncer in transaction mode in front of the primary (issue #15): the app keeps no
session state and, with ``LANDGIS_DATABASE_PGBOUNCER``, prepares no server-side
statements, so a real server works through a real PgBouncer whose few server connections
every client shares."""

from __future__ import annotations

import uuid

import httpx
import psycopg
import pytest

from tests.gis.scale_db.conftest import Pair, start_server, stop_server
from tests.gis.scale_db.pgbouncer import pgbouncer, url
from tests.gis.tiles.conftest import tile_at
from tests.gis.tiles.conftest import url as tile_url

ZONING = "/ogc/collections/plan_zoning/items"
GEOJSON = {"Content-Type": "application/geo+json"}
PAGE = 1000  # every zone, and not a "large page" (those are rate-limited per address)
SQL = "SELECT count(*) FROM plan_zone WHERE code = %s"


def _alternate(conninfo: str, **kwargs: object) -> None:
    """Two clients take turns on PgBouncer's one server connection, 12 queries each."""
    a = psycopg.connect(conninfo, **kwargs)  # type: ignore[arg-type]
    b = psycopg.connect(conninfo, **kwargs)  # type: ignore[arg-type]
    try:
        for _ in range(12):
            for conn in (a, b):
                with conn.transaction():
                    conn.execute(SQL, ("07",)).fetchone()
    finally:
        a.close()
        b.close()


def test_prepared_statements_break_transaction_pooling_unless_turned_off(pair: Pair) -> None:
    with pgbouncer(pair.settings, pair.root / "bouncer-1", pool=1) as port:
        with pytest.raises(psycopg.Error, match="prepared statement"):
            _alternate(url(pair.settings, port))  # psycopg's default: prepare after 5 runs
        _alternate(url(pair.settings, port), prepare_threshold=None)  # what the app does


def test_server_writes_and_reads_through_pgbouncer(pair: Pair) -> None:
    with pgbouncer(pair.settings, pair.root / "bouncer-2", pool=2) as port:
        env = {
            **pair.env,
            "LANDGIS_DATABASE_URL": url(pair.settings, port),
            "LANDGIS_DATABASE_PGBOUNCER": "true",
        }
        server = start_server(env, pair.root / "serve-bouncer.log")
        try:
            h = server.token()
            with httpx.Client(base_url=server.base, timeout=30) as c:
                for i in range(20):
                    name = f"bouncer-{i}-{uuid.uuid4().hex[:6]}"
                    lon, lat = 113.9 + i * 0.001, 23.1
                    ring = [[lon, lat], [lon + 4e-4, lat], [lon, lat + 4e-4], [lon, lat]]
                    feature = {
                        "type": "Feature",
                        "geometry": {"type": "Polygon", "coordinates": [ring]},
                        "properties": {"code": "07", "name": name},
                    }
                    r = c.post(ZONING, json=feature, headers={**h, **GEOJSON})
                    assert r.status_code == 201, r.text
                    item = c.get(r.headers["location"])
                    assert item.status_code == 200 and item.json()["properties"]["name"] == name
                    r = c.patch(
                        r.headers["location"],
                        json={"properties": {"name": name + "!"}},
                        headers={
                            **h,
                            "If-Match": item.headers["etag"],
                            "Content-Type": "application/merge-patch+json",
                        },
                    )
                    assert r.status_code == 204, r.text
                    listed = c.get(ZONING, params={"limit": PAGE}).json()["features"]
                    assert name + "!" in {f["properties"]["name"] for f in listed}
                    tile = c.get(tile_url(tile_at(lon + 1e-4, lat + 1e-4, 16), "plan_zoning"))
                    assert tile.status_code == 200
                health = c.get("/health")
                assert health.status_code == 200 and health.json()["database"] == "ok"
        finally:
            stop_server(server)
        log = (pair.root / "bouncer-2" / "pgbouncer.log").read_text()
        assert "prepared statement" not in log
