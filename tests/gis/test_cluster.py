"""The local cluster manager on a throw-away cluster: create, reuse, stop, stale pid, port taken."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gis import cluster, cluster_os
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


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _tcp(s: Settings, user: str, password: str | None = None) -> str:
    pw = f":{password}" if password else ""
    return f"postgresql://{user}{pw}@127.0.0.1:{s.pg_port}/postgres?connect_timeout=10"


def test_an_existing_trust_cluster_is_upgraded_on_start_without_a_restart(
    scratch: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """The finding: any local OS user was the superuser over TCP (``trust``). A cluster made
    that way (before this change) gets passwords and the app's role on its next start."""
    import psycopg

    first = cluster.start(scratch)
    data = scratch.pg_dir / "data"
    (data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
    cluster._run(scratch, [str(scratch.pg_bin / "pg_ctl"), "-D", str(data), "reload"])
    time.sleep(0.5)
    with psycopg.connect(_tcp(scratch, "postgres"), autocommit=True) as conn:  # the hole
        conn.execute(f"DROP ROLE IF EXISTS {scratch.pg_app_user}")
    capsys.readouterr()
    again = cluster.start(scratch)
    assert again.pid == first.pid  # reloaded, not restarted
    said = capsys.readouterr().out.strip().splitlines()
    assert len(said) == 1 and "scram-sha-256" in said[0]
    hba = (data / "pg_hba.conf").read_text()
    assert "trust" not in hba and "scram-sha-256" in hba
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(_tcp(scratch, "postgres")).close()  # no password: refused
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(_tcp(scratch, scratch.pg_app_user, "wrong-password")).close()
    app = _tcp(scratch, scratch.pg_app_user, scratch.app_db_password())
    with psycopg.connect(app) as conn:
        assert (
            conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]
            is False
        )
    with psycopg.connect(_libpq(scratch.admin_url("postgres"))) as conn:  # setup: the socket
        assert conn.execute("SELECT current_setting('is_superuser')").fetchone()[0] == "on"
    cluster.start(scratch)
    assert capsys.readouterr().out == ""  # nothing left to change: nothing said


def test_the_app_role_owns_the_tables_but_is_no_superuser(scratch: Settings) -> None:
    import psycopg

    cluster.start(scratch)
    cluster.ensure_database(scratch, "scratch_own")
    with psycopg.connect(_libpq(scratch.admin_url("scratch_own")), autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS made_by_migration (id serial PRIMARY KEY)")
        conn.execute("CREATE SEQUENCE IF NOT EXISTS free_standing_seq")
    cluster.grant_app(scratch, "scratch_own")
    with psycopg.connect(_libpq(scratch.sqlalchemy_url("scratch_own"))) as conn:
        owners = conn.execute(
            "SELECT relname, pg_get_userbyid(relowner) FROM pg_class WHERE relname IN "
            "('made_by_migration', 'made_by_migration_id_seq', 'free_standing_seq', "
            "'spatial_ref_sys') ORDER BY relname"
        ).fetchall()
        app = scratch.pg_app_user
        assert owners == [
            ("free_standing_seq", app),
            ("made_by_migration", app),
            ("made_by_migration_id_seq", app),
            ("spatial_ref_sys", "postgres"),  # PostGIS's own stays the superuser's
        ]
        conn.execute("ALTER TABLE made_by_migration DISABLE TRIGGER USER")  # bulk loads may
        conn.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("COPY (SELECT 1) TO PROGRAM 'true'")  # a superuser could run programs


def test_let_through_changes_only_what_the_database_user_cannot_pass() -> None:
    """As root, a folder the database's user may already pass (its group) is left alone;
    a private one gets o+x (traverse, no read), said in one line."""
    import grp

    private = Path(tempfile.mkdtemp(prefix="landgis-passable-"))
    try:
        inner = private / "inner"
        inner.mkdir(mode=0o700)
        (inner / "data" / "pg").mkdir(parents=True)
        target = inner / "data" / "pg"
        if os.geteuid() == 0:
            os.chown(private, 0, grp.getgrnam("postgres").gr_gid)
            private.chmod(0o710)  # the database's group may pass
        changed = cluster_os.let_through(load_settings(), target)
        if os.geteuid() == 0:
            assert changed == [inner]
            assert private.stat().st_mode & 0o777 == 0o710
            assert inner.stat().st_mode & 0o777 == 0o701
        else:
            assert changed == []
    finally:
        shutil.rmtree(private, ignore_errors=True)
