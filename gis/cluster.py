"""The project's own PostgreSQL + PostGIS cluster under ``data/pg/``.

Created on first use, reused afterwards, on its own port with its socket in
``data/pg/run``. As root, the server runs as the ``postgres`` OS user (initdb
refuses root). Every failure raises :class:`ClusterError` with a one-line
message that says what to do.
"""

from __future__ import annotations

import errno
import os
import pwd
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from gis import cluster_access as access
from gis import cluster_os as os_side
from gis.settings import Settings

POSTGIS_PACKAGE = "postgresql-15-postgis-3"
POSTGRES_PACKAGE = "postgresql-15"
POSTGIS_CONTROL = Path("/usr/share/postgresql/15/extension/postgis.control")

SERVER_CONF = """
# landgis: written by gis/cluster.py
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{socket_dir}'
max_connections = 300
# a query the zone partitions cannot prune (a tile, a bbox) locks every partition and its
# indexes: ~8 locks x 400 zones; 64 per connection would run out under concurrent reads
max_locks_per_transaction = 512
shared_buffers = 1GB
work_mem = 64MB
maintenance_work_mem = 512MB
effective_cache_size = 8GB
random_page_cost = 1.1
jit = off
logging_collector = off
timezone = 'Asia/Shanghai'
"""


class ClusterError(Exception):
    """The local cluster cannot be set up or started; the message says what to do."""


@dataclass(frozen=True)
class ClusterStatus:
    running: bool
    pid: int | None
    port: int
    data_dir: Path
    initialised: bool

    def describe(self) -> str:
        if not self.initialised:
            return f"no cluster yet in {self.data_dir} (run: landgis db start)"
        if self.running:
            return f"running, pid {self.pid}, port {self.port}, data {self.data_dir}"
        return f"stopped (data in {self.data_dir}, port {self.port})"


def _paths(settings: Settings) -> tuple[Path, Path, Path]:
    base = settings.pg_dir
    return base / "data", base / "run", base / "log"


def _run(settings: Settings, args: list[str], check: bool = True) -> subprocess.CompletedProcess:
    cmd = args
    if os_side.is_root():
        cmd = ["runuser", "-u", settings.pg_os_user, "--", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if check and proc.returncode != 0:
        last = (proc.stderr or proc.stdout).strip().splitlines()
        raise ClusterError(f"{Path(args[0]).name} failed: {last[-1] if last else proc.returncode}")
    return proc


def check_binaries(settings: Settings) -> None:
    """Refuse early, with the package to install, when PostgreSQL or PostGIS is missing."""
    if not (settings.pg_bin / "pg_ctl").exists():
        raise ClusterError(
            f"PostgreSQL 15 is not installed ({settings.pg_bin}/pg_ctl missing): "
            f"run 'apt-get install -y {POSTGRES_PACKAGE}' or set LANDGIS_PG_BIN"
        )
    if not POSTGIS_CONTROL.exists():
        raise ClusterError(
            f"PostGIS is not installed ({POSTGIS_CONTROL} missing): "
            f"run 'apt-get update && apt-get install -y {POSTGIS_PACKAGE}' as root"
        )
    if os_side.is_root():
        try:
            pwd.getpwnam(settings.pg_os_user)
        except KeyError:
            raise ClusterError(
                f"OS user {settings.pg_os_user!r} does not exist: install {POSTGRES_PACKAGE} "
                "or set LANDGIS_PG_OS_USER"
            ) from None


def _read_pid(data_dir: Path) -> int | None:
    pid_file = data_dir / "postmaster.pid"
    try:
        return int(pid_file.read_text().splitlines()[0])
    except (FileNotFoundError, ValueError, IndexError, PermissionError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError as exc:
        return exc.errno == errno.EPERM
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True
    return b"postgres" in cmdline


def status(settings: Settings) -> ClusterStatus:
    """Whether the cluster exists and runs (read from its pid file and the process table)."""
    data_dir, _, _ = _paths(settings)
    initialised = (data_dir / "PG_VERSION").exists()
    pid = _read_pid(data_dir)
    running = pid is not None and _alive(pid)
    return ClusterStatus(running, pid if running else None, settings.pg_port, data_dir, initialised)


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _initdb(settings: Settings) -> None:
    data_dir, run_dir, log_dir = _paths(settings)
    for folder in (settings.pg_dir, run_dir, log_dir):
        folder.mkdir(parents=True, exist_ok=True)
    data_dir.mkdir(mode=0o700, exist_ok=True)
    os_side.let_through(settings, settings.pg_dir)
    os_side.chown(settings, settings.pg_dir, data_dir, run_dir, log_dir)
    if os_side.is_root():
        probe = _run(settings, ["test", "-w", str(data_dir)], check=False)
        if probe.returncode != 0:
            raise ClusterError(
                f"user {settings.pg_os_user} cannot reach {data_dir}: make its parent folders "
                "traversable (chmod o+x) or set LANDGIS_DATA_DIR to a folder it can reach"
            )
    _run(
        settings,
        [
            str(settings.pg_bin / "initdb"),
            "-D",
            str(data_dir),
            "-U",
            os_side.os_user(settings),
            "--auth-local=peer",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--no-locale",
        ],
    )
    conf = SERVER_CONF.format(port=settings.pg_port, socket_dir=run_dir)
    conf_file = data_dir / "postgresql.auto.conf"
    with conf_file.open("a") as fh:
        fh.write(conf)


def start(settings: Settings, timeout: float = 60.0) -> ClusterStatus:
    """Start the cluster (creating it on first use); reuse it when it already runs."""
    check_binaries(settings)
    current = status(settings)
    if current.running:
        secure(settings)
        return current
    data_dir, run_dir, log_dir = _paths(settings)
    if not current.initialised:
        _initdb(settings)
    _write_access(settings)  # read by the server as it starts: no reload needed
    stale = data_dir / "postmaster.pid"
    if stale.exists():
        stale.unlink()
    if not _port_free(settings.pg_port):
        raise ClusterError(
            f"port {settings.pg_port} is already taken by another program: "
            "stop it or set LANDGIS_PG_PORT to a free port"
        )
    for folder in (run_dir, log_dir):
        folder.mkdir(parents=True, exist_ok=True)
        os_side.chown(settings, folder)
    _run(
        settings,
        [
            str(settings.pg_bin / "pg_ctl"),
            "-D",
            str(data_dir),
            "-l",
            str(log_dir / "postgres.log"),
            "-o",
            f"-p {settings.pg_port} -k {run_dir}",
            "-w",
            "-t",
            str(int(timeout)),
            "start",
        ],
    )
    _wait_ready(settings, timeout)
    _ensure_app_role(settings)
    return status(settings)


def standby_dir(settings: Settings) -> Path:
    """Folder of the local hot standby (gis/standby.py), next to the primary's."""
    return settings.data_dir / "pg-standby"


REPLICATION_MARK = "allow-replication"  # in data/pg/: base backups without a standby


def replication_allowed(settings: Settings) -> bool:
    """The superuser may stream WAL over the socket (pg_basebackup, a hot standby) once a
    local standby folder exists or ``data/pg/allow-replication`` does (backups)."""
    return standby_dir(settings).exists() or (settings.pg_dir / REPLICATION_MARK).exists()


def _write_access(settings: Settings) -> dict[Path, str] | None:
    """Write pg_hba.conf and pg_ident.conf (see gis/cluster_access.py) if they differ;
    returns the old texts of the files it changed, None when nothing changed."""
    data_dir, _, _ = _paths(settings)
    superuser = os_side.os_user(settings)
    os_users = ["root", superuser] if os_side.is_root() else [superuser]
    wanted = {
        data_dir / "pg_ident.conf": access.ident_text(os_users, superuser),
        data_dir / "pg_hba.conf": access.hba_text(superuser, replication_allowed(settings)),
    }
    try:
        old = {path: access.write_if_changed(path, text) for path, text in wanted.items()}
    except PermissionError as exc:
        raise ClusterError(
            f"cannot update {exc.filename}: run this once as root or as the cluster's owner"
        ) from None
    changed = {path: text for path, text in old.items() if text is not None}
    return changed or None


def secure(settings: Settings) -> None:
    """Upgrade a running cluster made before passwords were asked (``trust``): write the
    access files and reload the server (no restart), then make sure the app's role exists.
    If the superuser can no longer connect afterwards, the old files are put back."""
    data_dir, _, _ = _paths(settings)
    reload = [str(settings.pg_bin / "pg_ctl"), "-D", str(data_dir), "reload"]
    changed = _write_access(settings)
    if changed:
        _run(settings, reload)
        if "scram-sha-256" in "".join(changed.values()):  # only replication was added
            print("landgis: the local cluster's superuser may now replicate over the socket")
        else:
            print(
                "landgis: the local cluster now asks for a password (scram-sha-256) except "
                "its superuser over the socket; the app signs in as " + settings.pg_app_user
            )
    try:
        _ensure_app_role(settings, retries=20 if changed else 1)
    except Exception as exc:
        if changed:
            for path, text in changed.items():
                path.write_text(text)
            _run(settings, reload)
        raise ClusterError(f"could not set up the app's database role: {exc}") from exc


def _ensure_app_role(settings: Settings, retries: int = 1) -> None:
    """Create the app's role (password from data/pg_app_password) unless it signs in."""
    app_url = _libpq(settings.sqlalchemy_url("postgres"))
    if access.app_can_connect(app_url):
        return
    for attempt in range(retries):
        try:
            access.ensure_role(
                _libpq(settings.admin_url("postgres")),
                settings.pg_app_user,
                settings.app_db_password(),
            )
            return
        except Exception:
            if attempt + 1 >= retries:
                raise
            time.sleep(0.25)  # a reload takes effect a moment after pg_ctl returns


def grant_app(settings: Settings, database: str | None = None) -> None:
    """After a migration: the app's role owns the project's tables (local cluster only)."""
    if settings.uses_local_cluster:
        access.hand_over(_libpq(settings.admin_url(database)), settings.pg_app_user)


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _wait_ready(settings: Settings, timeout: float) -> None:
    _, run_dir, _ = _paths(settings)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        proc = subprocess.run(
            [str(settings.pg_bin / "pg_isready"), "-h", str(run_dir), "-p", str(settings.pg_port)],
            capture_output=True,
        )
        if proc.returncode == 0:
            return
        time.sleep(0.2)
    raise ClusterError(
        f"the cluster did not accept connections in {timeout:.0f} s; "
        f"see {settings.pg_dir / 'log' / 'postgres.log'}"
    )


def stop(settings: Settings) -> ClusterStatus:
    """Stop the cluster if it runs (fast shutdown: open transactions roll back)."""
    current = status(settings)
    if current.running:
        data_dir, _, _ = _paths(settings)
        _run(
            settings,
            [str(settings.pg_bin / "pg_ctl"), "-D", str(data_dir), "-m", "fast", "-w", "stop"],
        )
    return status(settings)


def ensure_database(settings: Settings, name: str | None = None, *, fresh: bool = False) -> str:
    """Create database ``name`` with PostGIS if missing (dropped first when ``fresh``)."""
    import psycopg

    name = name or settings.database_name
    admin_url = _libpq(settings.admin_url("postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if fresh:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            conn.execute(f'DROP DATABASE IF EXISTS "{_ident(name)}"')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{_ident(name)}"')
    db_url = _libpq(settings.admin_url(name))
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    return name


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ClusterError(f"database name {name!r} may hold only letters, digits and '_'")
    return name


def gdal_source(settings: Settings) -> str:
    """The database as a GDAL ``PG:`` connection string (for ogr2ogr and ogrinfo)."""
    if settings.uses_local_cluster:
        return (
            f"PG:host={settings.pg_dir / 'run'} port={settings.pg_port} "
            f"dbname={settings.database_name} user={settings.pg_os_user}"
        )
    from sqlalchemy.engine import make_url

    url = make_url(settings.sqlalchemy_url())
    return (
        f"PG:host={url.host} port={url.port or 5432} dbname={url.database} "
        f"user={url.username} password={url.password or ''}"
    )
