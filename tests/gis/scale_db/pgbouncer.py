"""A real PgBouncer (Debian's ``pgbouncer``) for the tests: transaction pooling in front of
the test pair's primary, on a free 127.0.0.1 port, run as the cluster's OS user (PgBouncer
refuses root). Stopped by the fixture that starts it."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gis import cluster_os
from gis.settings import Settings
from tests.conftest import free_port

BINARY = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
INI = """[databases]
landgis = host=127.0.0.1 port={pg_port} dbname=landgis

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = {folder}/userlist.txt
pool_mode = transaction
default_pool_size = {pool}
max_client_conn = 200
ignore_startup_parameters = options
logfile = {folder}/pgbouncer.log
pidfile = {folder}/pgbouncer.pid
"""


@contextmanager
def pgbouncer(settings: Settings, folder: Path, pool: int = 2) -> Iterator[int]:
    """Run PgBouncer for the app's role; yields its port."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    user, password = settings.pg_app_user, settings.app_db_password()
    (folder / "userlist.txt").write_text(f'"{user}" "{password}"\n')
    (folder / "pgbouncer.ini").write_text(
        INI.format(pg_port=settings.pg_port, port=port, folder=folder, pool=pool)
    )
    if os.geteuid() == 0:
        pw = pwd.getpwnam(settings.pg_os_user)
        for path in (folder, *folder.iterdir()):
            os.chown(path, pw.pw_uid, pw.pw_gid)
        cluster_os.let_through(settings, folder)
    cmd = [BINARY, str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", settings.pg_os_user, "--", *cmd]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        _wait_listening(port, proc, folder)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_listening(port: int, proc: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log = folder / "pgbouncer.log"
            raise AssertionError(f"pgbouncer exited: {log.read_text() if log.exists() else ''}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("pgbouncer did not listen")


def url(settings: Settings, port: int) -> str:
    return (
        f"postgresql://{settings.pg_app_user}:{settings.app_db_password()}@127.0.0.1:{port}/landgis"
    )
