"""What the side-by-side benchmarks share: where results go, and a fresh demo database."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis import cluster
from gis.db import dispose_engines, engine_for
from gis.settings import REPO_ROOT, Settings, get_settings

RESULTS = Path(__file__).parent / "results"
PEERS = Path(__file__).parent / ".peers"


def bench_settings(database: str) -> Settings:
    """The settings in force, pointed at database ``database`` on the same server."""
    base = get_settings()
    if base.uses_local_cluster:
        return base.model_copy(update={"database_name": database})
    return base.model_copy(update={"database_url": base.sqlalchemy_url(database)})


def build_demo_database(
    settings: Settings, parcels: int, seed: int, extra_sql: Iterable[str] = ()
) -> float:
    """Create the bench database afresh, migrate, load the demo district, run ``extra_sql``,
    then VACUUM ANALYZE; returns the seconds the load took."""
    from cadastre.demo import load_demo
    from landgis.setup import migrate

    dispose_engines()
    cluster.ensure_database(settings, settings.database_name, fresh=True)
    migrate(settings)
    started = time.perf_counter()
    with Session(engine_for(settings.sqlalchemy_url())) as session:
        load_demo(session, parcels, seed, lambda n: print(f"  loaded {n} parcels", flush=True))
        for sql in extra_sql:
            session.execute(text(sql))
        session.commit()
    auto = engine_for(settings.sqlalchemy_url()).execution_options(isolation_level="AUTOCOMMIT")
    with auto.connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))
    seconds = time.perf_counter() - started
    print(f"built {parcels} parcels in {seconds:.1f} s", flush=True)
    return seconds


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(
    name: str, cmd: list[str], env: dict[str, str], ready: str, timeout: float = 180
) -> subprocess.Popen[bytes]:
    """Start a server (log in benchmarks/.peers/NAME.log) and wait until ``ready`` (a URL)
    answers 200; stop it on failure."""
    log = open(PEERS / f"{name}.log", "w")  # noqa: SIM115 (kept open for the process)
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited; see {log.name}")
        try:
            if httpx.get(ready, timeout=10).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.terminate()
    proc.wait(timeout=20)
    raise RuntimeError(f"{name} did not start; see {log.name}")
