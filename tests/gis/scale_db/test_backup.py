"""Backups as deploy/README.md prescribes (issue #15): a base backup with
``pg_basebackup`` plus continuous WAL archiving; restore = the base backup, a
``restore_command`` reading the archive and ``recovery.signal``. Tested here on a
cluster of the test's own (never the shared one): rows committed after the base backup
come back from the archive alone (the backup carries no WAL of its own, ``-X none``)."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from gis import cluster, cluster_os
from gis.settings import Settings, load_settings
from tests.conftest import free_port


@pytest.fixture
def archived() -> Iterator[tuple[Settings, Path]]:
    """A fresh cluster archiving its WAL into ``<root>/archive``."""
    root = Path(tempfile.mkdtemp(prefix="landgis-backup-"))
    s = load_settings().model_copy(
        update={"data_dir": root, "pg_port": free_port(), "database_url": None}
    )
    try:
        cluster.start(s)
        archive = root / "archive"
        archive.mkdir()
        cluster_os.chown(s, archive)
        data_dir = cluster.status(s).data_dir
        with (data_dir / "postgresql.auto.conf").open("a") as fh:
            fh.write(
                "archive_mode = on\n"
                f"archive_command = 'test ! -f {archive}/%f && cp %p {archive}/%f'\n"
            )
        cluster.stop(s)
        cluster.start(s)
        cluster.ensure_database(s, "landgis")
        yield s, archive
    finally:
        cluster.stop(s)
        shutil.rmtree(root, ignore_errors=True)


def _admin(s: Settings, port: int | None = None, run: Path | None = None) -> str:
    host = run or s.pg_dir / "run"
    return f"host={host} port={port or s.pg_port} dbname=landgis user={cluster_os.os_user(s)}"


def _insert(s: Settings, first: int, last: int) -> None:
    with psycopg.connect(_admin(s), autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS kept (n int PRIMARY KEY)")
        conn.execute("INSERT INTO kept SELECT generate_series(%s::int, %s::int)", (first, last))


def _archive_current_wal(s: Settings) -> None:
    with psycopg.connect(_admin(s), autocommit=True) as conn:
        row = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()
        assert row is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            done = conn.execute("SELECT last_archived_wal FROM pg_stat_archiver").fetchone()
            if done is not None and done[0] is not None and done[0] >= row[0]:
                return
            time.sleep(0.1)
    raise AssertionError("the WAL was not archived")


def test_base_backup_plus_wal_archive_restores_every_commit(
    archived: tuple[Settings, Path],
) -> None:
    s, archive = archived
    (s.pg_dir / cluster.REPLICATION_MARK).touch()  # as deploy/README.md says
    cluster.secure(s)  # what `landgis db start` does: pg_hba gets the line, reload
    _insert(s, 1, 1000)
    backup = s.data_dir / "backup"
    backup.mkdir(mode=0o700)
    cluster_os.chown(s, backup)
    cluster._run(
        s,
        [str(s.pg_bin / "pg_basebackup"), "-h", str(s.pg_dir / "run"), "-p", str(s.pg_port),
         "-U", cluster_os.os_user(s), "-D", str(backup), "-X", "none", "-c", "fast"],
    )  # fmt: skip
    _insert(s, 1001, 2500)  # after the backup: only in the archived WAL
    _archive_current_wal(s)
    cluster.stop(s)  # the primary is lost

    run = s.data_dir / "restored-run"
    run.mkdir()
    cluster_os.chown(s, run)
    port = free_port()
    with (backup / "postgresql.auto.conf").open("a") as fh:
        fh.write(
            f"restore_command = 'cp {archive}/%f %p'\n"
            f"port = {port}\nunix_socket_directories = '{run}'\narchive_mode = off\n"
        )
    (backup / "recovery.signal").touch()
    cluster_os.chown(s, backup / "recovery.signal")
    pg_ctl = str(s.pg_bin / "pg_ctl")
    cluster._run(s, [pg_ctl, "-D", str(backup), "-l", str(run / "restore.log"),
                     "-w", "-t", "60", "start"])  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        with psycopg.connect(_admin(s, port, run), autocommit=True) as conn:
            while conn.execute("SELECT pg_is_in_recovery()").fetchone() != (False,):
                assert time.monotonic() < deadline, "recovery did not end"
                time.sleep(0.1)
            row = conn.execute("SELECT count(*), max(n) FROM kept").fetchone()
        assert row == (2500, 2500)
    finally:
        cluster._run(s, [pg_ctl, "-D", str(backup), "-m", "fast", "-w", "stop"], check=False)
