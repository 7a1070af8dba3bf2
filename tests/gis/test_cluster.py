"""The local cluster manager on a throw-away cluster: create, reuse, stop, stale pid, port taken."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from gis import cluster
from gis.settings import Settings, load_settings
from tests.conftest import free_port


@pytest.fixture(scope="module")
def scratch() -> Iterator[Settings]:
    folder = Path(tempfile.mkdtemp(prefix="landgis-cluster-"))
    folder.chmod(0o755)
    s = load_settings().model_copy(
        update={"data_dir": folder, "pg_port": free_port(), "database_url": None}
    )
    try:
        yield s
    finally:
        cluster.stop(s)
        shutil.rmtree(folder, ignore_errors=True)


def test_start_creates_then_reuses(scratch: Settings) -> None:
    first = cluster.start(scratch)
    assert first.running and first.initialised
    again = cluster.start(scratch)
    assert again.pid == first.pid
    assert "running" in cluster.status(scratch).describe()


def test_database_gets_postgis(scratch: Settings) -> None:
    import psycopg

    cluster.start(scratch)
    cluster.ensure_database(scratch, "scratch_db")
    url = scratch.sqlalchemy_url("scratch_db").replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT postgis_lib_version()").fetchone()[0].startswith("3.")


def test_stop_then_recover_from_stale_pid_file(scratch: Settings) -> None:
    cluster.start(scratch)
    stopped = cluster.stop(scratch)
    assert not stopped.running
    pid_file = scratch.pg_dir / "data" / "postmaster.pid"
    pid_file.write_text("999999\n/nonexistent\n")  # a crash leaves such a file behind
    assert not cluster.status(scratch).running
    restarted = cluster.start(scratch)
    assert restarted.running and restarted.pid != 999999


def test_port_taken_by_another_program(scratch: Settings) -> None:
    cluster.stop(scratch)
    with socket.socket() as other:
        other.bind(("127.0.0.1", scratch.pg_port))
        other.listen()
        with pytest.raises(cluster.ClusterError, match="already taken.*LANDGIS_PG_PORT"):
            cluster.start(scratch)


def test_missing_postgis_names_the_package(
    scratch: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cluster, "POSTGIS_CONTROL", Path("/nonexistent/postgis.control"))
    with pytest.raises(cluster.ClusterError, match="apt-get install -y postgresql-15-postgis-3"):
        cluster.start(scratch)


def test_missing_postgresql_names_the_package(scratch: Settings) -> None:
    broken = scratch.model_copy(update={"pg_bin": Path("/nonexistent/bin")})
    with pytest.raises(cluster.ClusterError, match="postgresql-15"):
        cluster.start(broken)


def test_a_cluster_inside_a_private_folder(tmp_path: Path) -> None:
    """Tried: the project cloned into a ``mktemp -d`` folder (mode 0700), as root: the
    database's user is let through (o+x only) and the cluster starts."""
    private = Path(tempfile.mkdtemp(prefix="landgis-private-"))
    assert private.stat().st_mode & 0o777 == 0o700
    s = load_settings().model_copy(
        update={"data_dir": private / "data", "pg_port": free_port(), "database_url": None}
    )
    try:
        assert cluster.start(s).running
        # as root (initdb then runs as postgres): traverse only, nothing readable; otherwise
        # the owner runs the cluster and the folder is left alone
        assert private.stat().st_mode & 0o777 == (0o701 if os.geteuid() == 0 else 0o700)
    finally:
        cluster.stop(s)
        shutil.rmtree(private, ignore_errors=True)
