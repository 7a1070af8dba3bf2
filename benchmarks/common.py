"""What the side-by-side benchmarks share: where results go, and a fresh demo database."""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import text

from gis import cluster
from gis.db import Database
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

    cluster.ensure_database(settings, settings.database_name, fresh=True)
    migrate(settings)
    started = time.perf_counter()
    with Database(settings) as database:
        with database.session() as session:
            load_demo(session, parcels, seed, lambda n: print(f"  loaded {n} parcels", flush=True))
            for sql in extra_sql:
                session.execute(text(sql))
            session.commit()
        with database.autocommit.connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))
    seconds = time.perf_counter() - started
    print(f"built {parcels} parcels in {seconds:.1f} s", flush=True)
    return seconds


def landgis_env(settings: Settings, drop: tuple[str, ...] = ()) -> dict[str, str]:
    """The environment of a landgis child process (server or worker) on the bench database:
    this one without ``LANDGIS_*`` (and the ``drop`` prefixes), plus the bench database and
    the cluster it lives in (data folder, port), so a run on a cluster other than the
    default one (a helper's own port) reaches it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LANDGIS_", *drop))}
    if settings.database_url:
        env["LANDGIS_DATABASE_URL"] = settings.sqlalchemy_url()
        return env
    env["LANDGIS_DATABASE_NAME"] = settings.database_name
    env["LANDGIS_DATA_DIR"] = str(settings.data_dir)
    env["LANDGIS_PG_PORT"] = str(settings.pg_port)
    return env


def peer_python(name: str, packages: list[str], module: str) -> Path:
    """The python of a peer's own venv in ``.peers/NAME``, created and filled when it is
    missing or cannot import ``module`` (an install cut short is finished, not kept)."""
    python = PEERS / name / "bin" / "python"
    if not python.exists():
        PEERS.mkdir(exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(PEERS / name)], check=True)
    if subprocess.run([str(python), "-c", f"import {module}"], capture_output=True).returncode:
        print(f"installing {' '.join(packages)} into {PEERS / name}", flush=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *packages], check=True)
    return python


def peer_dsn(settings: Settings) -> str:
    """A libpq URL of the bench database for a peer server (tipg's asyncpg): on the local
    cluster, the app's role over TCP with its password (the socket's peer sign-in is for
    the superuser, and asyncpg went to TCP whatever the URL said); else the URL given."""
    if settings.database_url or not settings.uses_local_cluster:
        return settings.sqlalchemy_url().replace("postgresql+psycopg://", "postgresql://", 1)
    password = quote(settings.app_db_password(), safe="")
    return (
        f"postgresql://{settings.pg_app_user}:{password}@127.0.0.1:{settings.pg_port}/"
        f"{settings.database_name}"
    )


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


BUSY_LOAD_PER_CORE = 0.75  # a 1-minute load average above this (per core) is a busy machine


def load_average() -> float:
    """The machine's 1-minute load average."""
    return os.getloadavg()[0]


def busy_limit() -> float:
    return BUSY_LOAD_PER_CORE * (os.cpu_count() or 1)


def settled_load(limit_s: float = 240.0) -> float:
    """The load average once the benchmark's own set-up (a demo build) has faded from it:
    the 1-minute average lags a minute or more behind, so a reading taken right after a
    build counts the build. Waits until it is under half the busy limit, at most
    ``limit_s`` seconds, and returns it (still high: other work is running)."""
    deadline = time.monotonic() + limit_s
    while load_average() > busy_limit() / 2 and time.monotonic() < deadline:
        time.sleep(5)
    return load_average()


def package_version(python: Path | str, package: str) -> str:
    """The version of ``package`` installed for the interpreter ``python`` ('' if none)."""
    out = subprocess.run(
        [str(python), "-c", f"import importlib.metadata as m; print(m.version({package!r}))"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return out.stdout.strip()


def save_result(
    prefix: str,
    payload: dict[str, Any],
    load_before: float,
    peers: dict[str, str] | None = None,
    allow_busy: bool = False,
) -> Path | None:
    """Write ``payload`` to ``results/PREFIX-STAMP.json`` with the machine's load average
    before and after the run and the peers' versions; refuse (return None, say why) when
    the machine was busy when the run started, since a ratio measured under foreign load is
    not a result. The load after the run is recorded, not judged: a benchmark that keeps both
    cores busy (eight clients, a parallel import) leaves its own load behind, which says
    nothing about other work on the machine."""
    load_after = load_average()
    machine = {
        "host": platform.node(),
        "cores": os.cpu_count(),
        "load_before": round(load_before, 2),
        "load_after": round(load_after, 2),
        "busy_limit": round(busy_limit(), 2),
    }
    print(f"load average before {load_before:.2f}, after {load_after:.2f}", flush=True)
    for name, version in (peers or {}).items():
        print(f"peer {name} {version or '(not installed)'}", flush=True)
    if load_before > busy_limit() and not allow_busy:
        print(
            f"NOT written: the load average passed {busy_limit():.2f} (other work on the "
            "machine); run again on a quiet machine, or pass --allow-busy to keep it marked",
            flush=True,
        )
        return None
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M")
    out = RESULTS / f"{prefix}-{stamp}.json"
    body = {**payload, "machine": machine, "peer_versions": peers or {}}
    out.write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n")
    print(f"written to {out}", flush=True)
    return out


def current_parcels(settings: Settings) -> int:
    """The current parcels of the bench database (0: no database or no register yet)."""
    try:
        with (
            Database(settings) as database,
            database.engine_for(settings.sqlalchemy_url()).connect() as conn,
        ):
            count = conn.execute(
                text("SELECT count(*) FROM parcel WHERE end_lifespan IS NULL")
            ).scalar_one()
    except Exception:  # noqa: BLE001 - no database, no table: nothing there
        return 0
    return int(count)


def database_has_parcels(settings: Settings, parcels: int) -> bool:
    """True when the bench database exists, is migrated and holds ``parcels`` parcels."""
    return current_parcels(settings) == parcels


def prepare_database(
    settings: Settings, parcels: int, seed: int, reuse: bool, extra_sql: Iterable[str] = ()
) -> None:
    """Keep the database of an earlier run when ``reuse`` and it holds the same number of
    parcels; otherwise (no earlier database, or another size) build one and say so."""
    if reuse and database_has_parcels(settings, parcels):
        print(f"reusing {settings.database_name} ({parcels} parcels)", flush=True)
        return
    if reuse:
        print(f"no earlier {settings.database_name} with {parcels} parcels: building one")
    build_demo_database(settings, parcels, seed, extra_sql)
