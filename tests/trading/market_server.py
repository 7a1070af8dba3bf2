"""A real ``landgis serve`` on its own database holding the demo district and the demo land
market (``trading.demo``), for the browser tests of the market pages.

Its own database (``<test database>_market``), because the demo market commits two dozen
listings, results, contracts and cadastre cases that the other trading tests' parcels
must not meet. The listing closer is off, so the transient states (awaiting close,
on-site) stay as loaded for the length of the tests.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from gis import cluster
from gis.db import Database
from gis.settings import REPO_ROOT, Settings
from tests.conftest import TEST_PARCELS, TEST_SEED, _wait_healthy, free_port, server_env, server_log


def market_settings(settings: Settings) -> Settings:
    name = f"{settings.test_database_name}_market"
    if settings.uses_local_cluster:
        return settings.model_copy(update={"database_name": name})
    return settings.model_copy(update={"database_url": settings.sqlalchemy_url(name)})


@contextmanager
def demo_market_server(settings: Settings) -> Iterator[str]:
    """Make the market database afresh, load the demo with its market, serve it; yields the
    base URL and stops the server afterwards (also when a test fails)."""
    from cadastre.demo import load_demo
    from landgis.setup import migrate
    from trading.demo import load_demo_listings

    market = market_settings(settings)
    cluster.ensure_database(settings, f"{settings.test_database_name}_market", fresh=True)
    migrate(market)
    with Database(market) as database:
        with database.session() as session:
            load_demo(session, TEST_PARCELS, TEST_SEED)
            session.commit()
        with database.session() as session:
            assert len(load_demo_listings(session)) >= 15
    port = free_port()
    log = open(server_log(settings, "market"), "w")  # noqa: SIM115
    env = server_env(market, port, LANDGIS_TRADING_CLOSE_INTERVAL_S="0")
    proc = subprocess.Popen(
        [sys.executable, "-m", "landgis", "serve", "--no-demo"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=REPO_ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, proc)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
