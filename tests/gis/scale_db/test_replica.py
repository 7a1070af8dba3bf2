"""Read replica (issue #15): the local hot standby, read routing by LSN wait, tiles that
are never staler than the tile cache's invalidation, /health's replica lag.

The standby applies every commit 150 ms late (``recovery_min_apply_delay``), so the
stale window is real and wide: each trial first shows the standby does NOT yet hold the
write, then that the server, reading from the standby, still answers with it.
"""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from gis import cluster, cluster_access, standby
from tests.gis.scale_db.conftest import Pair, Server
from tests.gis.tiles.conftest import tile_at, url
from tests.gis.tiles.mvt import decode

ZONING = "/ogc/collections/plan_zoning/items"
GEOJSON = {"Content-Type": "application/geo+json"}
PAGE = 1000  # every zone, and not a "large page" (those are rate-limited per address)
TRIALS = 25


def _zone(name: str, lon: float = 113.75, lat: float = 23.0) -> dict:
    d = 0.0004
    ring = [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"code": "07", "name": name},
    }


@pytest.fixture(scope="module")
def lagging(pair: Pair, replica_server: Server) -> Pair:
    pair.set_apply_delay("150ms")
    return pair


def test_standby_cli_and_replication_access(pair: Pair) -> None:
    out = pair.cli("db", "standby", "status").stdout
    assert "standby running" in out and "replay lag" in out
    hba = (cluster.status(pair.settings).data_dir / "pg_hba.conf").read_text()
    assert "local   replication" in hba  # allowed once a standby folder exists ...
    assert "replication" not in cluster_access.hba_text("postgres")  # ... never before
    assert pair.standby_sql("SELECT pg_is_in_recovery()") is True
    again = pair.cli("db", "standby", "create", check=False)
    assert again.returncode == 1 and "already exists" in (again.stdout + again.stderr)


def test_write_then_read_through_the_server_is_never_stale(
    lagging: Pair, replica_server: Server
) -> None:
    h = replica_server.token()
    stale_window = from_replica = 0
    with httpx.Client(base_url=replica_server.base, timeout=30) as c:
        for i in range(TRIALS):
            name = f"lsn-{i}-{uuid.uuid4().hex[:8]}"
            r = c.post(ZONING, json=_zone(name, 113.75 + i * 0.001), headers={**h, **GEOJSON})
            assert r.status_code == 201, r.text
            if i == 0:  # a single item carries the ETag If-Match checks: read on the primary
                item = c.get(r.headers["location"])
                assert item.status_code == 200 and "x-landgis-read" not in item.headers
            seen = lagging.standby_sql("SELECT count(*) FROM plan_zone WHERE name = %s", (name,))
            stale_window += seen == 0
            got = c.get(ZONING, params={"limit": PAGE})
            assert got.status_code == 200
            assert len(got.json()["features"]) < PAGE  # the page holds every zone
            names = {f["properties"]["name"] for f in got.json()["features"]}
            assert name in names, f"trial {i}: a stale read of the replica"
            from_replica += got.headers.get("x-landgis-read") == "replica"
    assert stale_window >= TRIALS * 0.8  # the standby really lagged behind each write
    assert from_replica >= TRIALS * 0.8  # and the reads really came from it


def test_tile_edited_on_the_primary_is_never_served_stale(
    lagging: Pair, replica_server: Server
) -> None:
    h = replica_server.token()
    lon, lat = 113.8, 23.05
    with httpx.Client(base_url=replica_server.base, timeout=30) as c:
        r = c.post(ZONING, json=_zone("tile-0", lon, lat), headers={**h, **GEOJSON})
        assert r.status_code == 201, r.text
        item, etag = r.headers["location"], r.headers["etag"]
        tile = tile_at(lon + 0.0002, lat + 0.0002, 16)
        stale_window = from_replica = 0
        for i in range(1, TRIALS + 1):
            warm = c.get(url(tile, "plan_zoning"))  # the tile is cached before the edit
            assert warm.status_code == 200
            r = c.patch(
                item,
                json={"properties": {"name": f"tile-{i}"}},
                headers={**h, "If-Match": etag, "Content-Type": "application/merge-patch+json"},
            )
            assert r.status_code == 204, r.text
            etag = r.headers["etag"]
            stale_window += (
                lagging.standby_sql(
                    "SELECT count(*) FROM plan_zone WHERE name = %s", (f"tile-{i}",)
                )
                == 0
            )
            got = c.get(url(tile, "plan_zoning"))
            assert got.status_code == 200
            layer = decode(got.content).get("plan_zoning")
            names = {f["properties"].get("name") for f in (layer.features if layer else [])}
            assert f"tile-{i}" in names, f"trial {i}: a stale tile ({sorted(names)})"
            from_replica += got.headers.get("x-landgis-read") == "replica"
    assert stale_window >= TRIALS * 0.8
    assert from_replica >= TRIALS * 0.8


@pytest.mark.parametrize(
    "path", ["/api/v1/trading/statistics", "/maps/trading/statistics", "/maps/planning"]
)
def test_statistics_and_map_pages_read_the_replica(replica_server: Server, path: str) -> None:
    got = httpx.get(f"{replica_server.base}{path}", timeout=60)
    assert got.status_code == 200
    assert got.headers.get("x-landgis-read") == "replica"


def test_health_reports_the_replica_lag(pair: Pair, replica_server: Server) -> None:
    body = httpx.get(f"{replica_server.base}/health", timeout=10).json()
    assert body["replica"] == "ok"
    assert body["replica_lag_bytes"] >= 0 and body["replica_lag_s"] >= 0
    lag = standby.replay_lag(pair.settings)
    assert lag[0] >= 0


def test_reads_fall_back_to_the_primary_when_the_standby_stops(
    pair: Pair, replica_server: Server
) -> None:
    standby.stop(pair.settings)
    try:
        deadline = time.monotonic() + 15
        while True:  # the server notices within a few seconds (its standby check is cached)
            got = httpx.get(f"{replica_server.base}{ZONING}", params={"limit": 5}, timeout=30)
            assert got.status_code == 200
            if got.headers.get("x-landgis-read") == "primary" or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert got.headers.get("x-landgis-read") == "primary"
        body = httpx.get(f"{replica_server.base}/health", timeout=10).json()
        assert body["status"] == "ok"
    finally:
        standby.start(pair.settings)
