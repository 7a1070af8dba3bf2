"""Shared fixtures: the project's own PostGIS (a fresh test database), rolled-back sessions,
an API client, tokens per role, a real uvicorn server and headless Chromium.

Nothing here skips: a missing database or browser fails the run loudly.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from gis import cluster
from gis.auth.service import add_user, issue_token
from gis.db import Database, get_session
from gis.settings import REPO_ROOT, Settings, load_settings, override_settings

if TYPE_CHECKING:
    from tests.engines import S3

TEST_PARCELS = 600
TEST_SEED = 7
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _test_settings() -> Settings:
    base = load_settings()
    name = base.test_database_name
    if base.uses_local_cluster:
        return base.model_copy(update={"database_name": name})
    return base.model_copy(update={"database_url": base.sqlalchemy_url(name)})


@pytest.fixture(scope="session")
def settings() -> Iterator[Settings]:
    """Settings pointing at the test database (same cluster, database ``landgis_test``)."""
    s = _test_settings()
    override_settings(s)
    yield s
    override_settings(None)


@pytest.fixture(scope="session")
def database(settings: Settings) -> Iterator[Database]:
    """The test run's engines (as an app or a CLI command has its own), disposed at the end."""
    with Database(settings) as made:
        yield made


@pytest.fixture(scope="session")
def engine(settings: Settings, database: Database) -> Iterator[Engine]:
    """A freshly created, migrated test database holding a small demo district."""
    from cadastre.demo import load_demo
    from landgis.setup import migrate

    if settings.uses_local_cluster:
        cluster.start(settings)
    database.dispose()  # no pooled connection may hold the database about to be dropped
    cluster.ensure_database(settings, settings.test_database_name, fresh=True)
    migrate(settings)
    eng = database.engine
    with Session(eng) as session:
        load_demo(session, TEST_PARCELS, TEST_SEED)
        session.commit()
    yield eng


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test."""
    conn = engine.connect()
    outer = conn.begin()
    session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        conn.close()


@pytest.fixture
def client(db: Session) -> Iterator[TestClient]:
    """The app with every request using the test's rolled-back session."""
    from landgis.app import create_app

    app = create_app()
    app.dependency_overrides[get_session] = lambda: db
    with TestClient(app) as c:
        yield c


@pytest.fixture
def auth(db: Session) -> Callable[[str], dict[str, str]]:
    """``auth("registrar")`` -> headers with a bearer token for a new user of that role."""
    made: dict[str, dict[str, str]] = {}

    def _headers(role: str) -> dict[str, str]:
        if role not in made:
            user = add_user(db, f"test-{role}", "correct horse battery", role, f"Test {role}")
            made[role] = {"Authorization": f"Bearer {issue_token(user)}"}
        return made[role]

    return _headers


@pytest.fixture(scope="session")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3]:
    """A real SeaweedFS (S3) for the session (issue 15), started on first use."""
    from tests.engines import seaweedfs

    with seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as endpoint:
        yield endpoint


@pytest.fixture
def on_s3(s3: S3, settings: Settings, tmp_path: Path) -> Iterator[Any]:
    """This test stores in the bucket under a fresh prefix (``LANDGIS_STORE_URL``), with
    a private ``files_dir`` (to prove nothing is kept there); yields that prefix as an
    obstore store, to list what the app wrote."""
    from gis.settings import get_settings
    from tests.engines import stored_on_s3

    with stored_on_s3(s3, get_settings(), tmp_path / "data") as bucket:
        yield bucket


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def subprocess_env(settings: Settings, **extra: str) -> dict[str, str]:
    """Environment for a ``landgis`` subprocess that must use the test database.

    Keeps the caller's LANDGIS_ settings (a second checkout runs its cluster on
    another port) and points the child at the same cluster and database.
    """
    env = dict(os.environ)
    if settings.uses_local_cluster:
        env["LANDGIS_DATABASE_NAME"] = settings.database_name
        env["LANDGIS_DATA_DIR"] = str(settings.data_dir)
        env["LANDGIS_PG_PORT"] = str(settings.pg_port)
    else:
        env["LANDGIS_DATABASE_URL"] = settings.sqlalchemy_url()
    env.update(extra)
    return env


def server_env(settings: Settings, port: int, **extra: str) -> dict[str, str]:
    """Environment for a server subprocess on ``port`` using the test database."""
    return subprocess_env(settings, LANDGIS_PORT=str(port), LANDGIS_HOST="127.0.0.1", **extra)


def server_log(settings: Settings, kind: str = "server") -> Path:
    """The output file of a test server: one per test database, so that test sessions run
    side by side (each with its own database) never write over each other's."""
    return REPO_ROOT / "data" / f"test-{kind}-{settings.test_database_name}.log"


@pytest.fixture(scope="session")
def live_server(settings: Settings, engine: Engine) -> Iterator[str]:
    """A real ``landgis serve`` in a subprocess, as ``make run`` starts it; yields its base URL.
    Its output goes to :func:`server_log` (fixture ``live_server_log``)."""
    port = free_port()
    log = open(server_log(settings), "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "landgis", "serve"],
        # no listing closer here: tests that need one start their own server, and this one
        # must not close their listings first (it did, now and then, in the two-worker test)
        env=server_env(
            settings,
            port,
            LANDGIS_TRADING_CLOSE_INTERVAL_S="0",
            LANDGIS_TRADING_MONITOR_INTERVAL_S="0",  # 批后监管 tests run the monitor themselves
        ),
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


@pytest.fixture(scope="session")
def live_server_log(live_server: str, settings: Settings) -> Path:
    """The file holding the output of ``live_server`` (stdout and stderr)."""
    return server_log(settings)


def _wait_healthy(base: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}; see data/test-*.log")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"server at {base} not healthy within {timeout} s")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian Chromium driven by Playwright; fails (never skips) when missing."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: run 'make test' (installs chromium) ")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield b
        b.close()
