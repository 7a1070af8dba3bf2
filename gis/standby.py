"""A hot standby of the project's own cluster (issue #15): ``landgis db standby ...``.

Made with ``pg_basebackup -R`` (streaming replication, the standby connects back to the
primary over its Unix socket as the cluster's superuser, ``peer``), kept in its own
folder ``data/pg-standby/`` and run on its own port (``LANDGIS_STANDBY_PORT``, 55433).
The primary lets its superuser replicate over the socket only once a standby folder
exists, or ``data/pg/allow-replication`` for base backups (see
:func:`gis.cluster.replication_allowed`), so a cluster without either keeps its access
rules unchanged. While the standby runs, :func:`read_url` points the
app's public reads at it (see ``gis/replica.py``).
"""

from __future__ import annotations

import shutil
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from gis import cluster, cluster_os
from gis.cluster import ClusterError
from gis.settings import Settings

STANDBY_CONF = """
# landgis: written by gis/standby.py
port = {port}
unix_socket_directories = '{socket_dir}'
hot_standby = on
hot_standby_feedback = on
shared_buffers = 256MB
"""


@dataclass(frozen=True)
class StandbyStatus:
    created: bool
    running: bool
    pid: int | None
    port: int
    data_dir: Path
    lag_bytes: int | None = None
    lag_s: float | None = None

    def describe(self) -> str:
        if not self.created:
            return f"no standby yet in {self.data_dir} (run: landgis db standby create)"
        if not self.running:
            return f"standby stopped (data in {self.data_dir}, port {self.port})"
        lag = "" if self.lag_bytes is None else f", replay lag {self.lag_bytes} bytes"
        if self.lag_s is not None:
            lag += f" / {self.lag_s:.3f} s"
        return f"standby running, pid {self.pid}, port {self.port}{lag}"


def paths(settings: Settings) -> tuple[Path, Path, Path]:
    base = cluster.standby_dir(settings)
    return base / "data", base / "run", base / "log"


def status(settings: Settings, with_lag: bool = True) -> StandbyStatus:
    """Whether the standby exists and runs; with its replay lag behind the primary."""
    data_dir, _, _ = paths(settings)
    created = (data_dir / "PG_VERSION").exists()
    pid = cluster._read_pid(data_dir)
    running = pid is not None and cluster._alive(pid)
    lag_bytes = lag_s = None
    if running and with_lag:
        with suppress(Exception):  # a standby still starting has no lag yet
            lag_bytes, lag_s = replay_lag(settings)
    return StandbyStatus(
        created,
        running,
        pid if running else None,
        settings.standby_port,
        data_dir,
        lag_bytes,
        lag_s,
    )


def create(settings: Settings) -> StandbyStatus:
    """Copy the running primary with ``pg_basebackup -R`` into the standby folder."""
    primary = cluster.status(settings)
    if not primary.running:
        raise ClusterError("the primary cluster does not run: run 'landgis db start' first")
    data_dir, run_dir, log_dir = paths(settings)
    if (data_dir / "PG_VERSION").exists():
        raise ClusterError(f"a standby already exists in {data_dir}: start it or remove it")
    base = cluster.standby_dir(settings)
    for folder in (base, run_dir, log_dir):
        folder.mkdir(parents=True, exist_ok=True)
    data_dir.mkdir(mode=0o700, exist_ok=True)
    cluster_os.let_through(settings, base)
    cluster_os.chown(settings, base, data_dir, run_dir, log_dir)
    _check_primary(settings)
    cluster.secure(settings)  # the standby folder exists now: replication is allowed
    _, primary_run, _ = cluster._paths(settings)
    try:
        cluster._run(
            settings,
            [
                str(settings.pg_bin / "pg_basebackup"),
                "-D",
                str(data_dir),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
                "-h",
                str(primary_run),
                "-p",
                str(settings.pg_port),
                "-U",
                cluster_os.os_user(settings),
            ],
        )
    except ClusterError:
        shutil.rmtree(data_dir, ignore_errors=True)
        raise
    conf = STANDBY_CONF.format(port=settings.standby_port, socket_dir=run_dir)
    with (data_dir / "postgresql.auto.conf").open("a") as fh:
        fh.write(conf)
    return status(settings)


def _check_primary(settings: Settings) -> None:
    """The primary must stream WAL (PostgreSQL 15's defaults do: replica, 10 senders)."""
    import psycopg

    with psycopg.connect(cluster._libpq(settings.admin_url("postgres"))) as conn:
        level = conn.execute("SHOW wal_level").fetchone()
        senders = conn.execute("SHOW max_wal_senders").fetchone()
    if level is None or level[0] == "minimal" or senders is None or int(senders[0]) < 1:
        raise ClusterError(
            "the primary cannot stream WAL: set wal_level = replica and max_wal_senders >= 2 "
            "in its postgresql.auto.conf and restart it"
        )


def start(settings: Settings, timeout: float = 60.0) -> StandbyStatus:
    """Start the standby (it catches up with the primary by itself)."""
    current = status(settings, with_lag=False)
    if not current.created:
        raise ClusterError("no standby yet: run 'landgis db standby create' first")
    if current.running:
        return status(settings)
    data_dir, run_dir, log_dir = paths(settings)
    stale = data_dir / "postmaster.pid"
    if stale.exists():
        stale.unlink()
    if not cluster._port_free(settings.standby_port):
        raise ClusterError(
            f"port {settings.standby_port} is already taken: set LANDGIS_STANDBY_PORT"
        )
    cluster._run(
        settings,
        [
            str(settings.pg_bin / "pg_ctl"),
            "-D",
            str(data_dir),
            "-l",
            str(log_dir / "postgres.log"),
            "-o",
            f"-p {settings.standby_port} -k {run_dir}",
            "-w",
            "-t",
            str(int(timeout)),
            "start",
        ],
    )
    return status(settings)


def stop(settings: Settings) -> StandbyStatus:
    """Stop the standby if it runs (fast shutdown)."""
    current = status(settings, with_lag=False)
    if current.running:
        data_dir, _, _ = paths(settings)
        cluster._run(
            settings,
            [str(settings.pg_bin / "pg_ctl"), "-D", str(data_dir), "-m", "fast", "-w", "stop"],
        )
    return status(settings, with_lag=False)


def local_read_url(settings: Settings) -> str | None:
    """The app's URL of the local standby while it runs (same role and password as on the
    primary: the standby is a physical copy), else None."""
    if not settings.uses_local_cluster:
        return None
    if not status(settings, with_lag=False).running:
        return None
    _, run_dir, _ = paths(settings)
    user = f"{settings.pg_app_user}:{settings.app_db_password()}"
    return (
        f"postgresql+psycopg://{user}@/{settings.database_name}"
        f"?host={run_dir}&port={settings.standby_port}"
    )


def read_url(settings: Settings) -> str | None:
    """Where public reads go: ``LANDGIS_DATABASE_READ_URL``, else the running local standby."""
    if settings.database_read_url:
        url = settings.database_read_url
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return url
    return local_read_url(settings)


def replay_lag(settings: Settings) -> tuple[int, float]:
    """Bytes and seconds the local standby's replay is behind the primary's WAL."""
    import psycopg

    _, run_dir, _ = paths(settings)
    standby = (
        f"host={run_dir} port={settings.standby_port} dbname=postgres "
        f"user={cluster_os.os_user(settings)}"
    )
    with psycopg.connect(cluster._libpq(settings.admin_url("postgres")), autocommit=True) as p:
        row = p.execute("SELECT pg_current_wal_lsn()::text").fetchone()
    with psycopg.connect(standby, autocommit=True) as s:
        lag = s.execute(
            "SELECT pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn())::bigint, "
            "CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 ELSE "
            "extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END",
            (row[0] if row else None,),
        ).fetchone()
    if lag is None:
        return 0, 0.0
    return max(int(lag[0] or 0), 0), float(lag[1] or 0.0)


def wait_caught_up(settings: Settings, timeout: float = 30.0) -> None:
    """Block until the standby has replayed everything the primary wrote (tests, CLI)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if replay_lag(settings)[0] == 0:
                return
        except Exception:  # noqa: BLE001 - still starting
            pass
        time.sleep(0.05)
    raise ClusterError(f"the standby did not catch up in {timeout:.0f} s")
