"""Fixtures of the scale-db tests (issue #15): a primary cluster of their own in a
temporary folder (never the shared one), its hot standby made by ``landgis db standby
create``, a demo district, a planner, and a real ``landgis serve`` reading from the
standby. Everything is stopped and removed afterwards, also when a test fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from gis import cluster, cluster_os, standby
from gis.settings import REPO_ROOT, Settings, load_settings
from tests.conftest import free_port

PASSWORD = "correct horse battery"


@dataclass
class Pair:
    """A primary and its standby in ``root``; ``env`` runs ``landgis`` against them."""

    root: Path
    settings: Settings
    env: dict[str, str]

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "landgis", *args],
            env=self.env,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"landgis {' '.join(args)}: {proc.stdout}{proc.stderr}")
        return proc

    def standby_sql(self, sql: str, params: Any = None) -> Any:
        """One value from the standby (as its superuser, over its socket)."""
        import psycopg

        _, run_dir, _ = standby.paths(self.settings)
        conninfo = (
            f"host={run_dir} port={self.settings.standby_port} dbname=landgis "
            f"user={cluster_os.os_user(self.settings)}"
        )
        with psycopg.connect(conninfo, autocommit=True) as conn:
            row = conn.execute(sql, params).fetchone()
        return row[0] if row else None

    def set_apply_delay(self, delay: str) -> None:
        """Make the standby apply each commit ``delay`` late (a real replication lag)."""
        data_dir, _, _ = standby.paths(self.settings)
        with (data_dir / "postgresql.auto.conf").open("a") as fh:
            fh.write(f"recovery_min_apply_delay = '{delay}'\n")
        cluster._run(
            self.settings, [str(self.settings.pg_bin / "pg_ctl"), "-D", str(data_dir), "reload"]
        )
        time.sleep(0.3)


def pair_env(root: Path, settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANDGIS_DATABASE_")}
    env.update(
        LANDGIS_DATA_DIR=str(root),
        LANDGIS_PG_PORT=str(settings.pg_port),
        LANDGIS_STANDBY_PORT=str(settings.standby_port),
        LANDGIS_DATABASE_NAME="landgis",
        **extra,
    )
    return env


@pytest.fixture(scope="session")
def pair() -> Iterator[Pair]:
    """Primary + demo district + planner + running standby, in a temporary folder."""
    root = Path(tempfile.mkdtemp(prefix="landgis-scale-db-"))
    settings = load_settings().model_copy(
        update={
            "data_dir": root,
            "pg_port": free_port(),
            "standby_port": free_port(),
            "database_name": "landgis",
            "database_url": None,
            "database_read_url": None,
        }
    )
    p = Pair(root, settings, pair_env(root, settings))
    try:
        p.cli("demo", "load", "--parcels", "150", "--seed", "7")
        p.cli("user", "add", "scale-planner", "--role", "planner", "--password", PASSWORD)
        p.cli("db", "standby", "create")
        yield p
    finally:
        standby.stop(settings)
        cluster.stop(settings)
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Server:
    base: str
    proc: subprocess.Popen[bytes]

    def token(self) -> dict[str, str]:
        r = httpx.post(
            f"{self.base}/api/v1/auth/token",
            data={"username": "scale-planner", "password": PASSWORD},
            timeout=30,
        )
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}


def start_server(env: dict[str, str], log: Path) -> Server:
    port = free_port()
    env = {**env, "LANDGIS_PORT": str(port), "LANDGIS_HOST": "127.0.0.1"}
    out = log.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "landgis", "serve", "--no-demo"],
        env=env,
        cwd=REPO_ROOT,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    out.close()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/health", timeout=5).status_code == 200:
                return Server(base, proc)
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.terminate()
    raise AssertionError(f"server did not become healthy: {log.read_text()[-2000:]}")


def stop_server(server: Server) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()


@pytest.fixture(scope="session")
def replica_server(pair: Pair) -> Iterator[Server]:
    """``landgis serve`` on the pair: the running standby serves its public reads."""
    server = start_server(pair.env, pair.root / "serve.log")
    try:
        yield server
    finally:
        stop_server(server)
