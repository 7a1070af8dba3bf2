"""An import interrupted by Ctrl-C or a kill leaves the register exactly as it was.

The test holds a lock on ``parcel`` that blocks the import's final INSERT, waits until
the import process is seen waiting on it, interrupts the process, then releases the lock.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.settings import REPO_ROOT
from tests.conftest import subprocess_env

APP = "landgis-interrupt-test"  # the import's backend, told apart from any other one
WAITING = (
    "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
    f"AND query LIKE 'INSERT INTO parcel %' AND application_name = '{APP}'"
)


def _file(engine, tmp_path):
    with Session(engine) as session:
        sub = session.execute(text("SELECT code FROM cadastral_subzone ORDER BY code")).scalar()
    frame = gpd.GeoDataFrame(
        {"unit_code": [f"{sub}GB{88800 + i}W00000000" for i in range(3)], "land_use": ["0701"] * 3},
        geometry=[shapely.box(113.0 + i * 0.001, 22.4, 113.0005 + i * 0.001, 22.4005)
                  for i in range(3)],
        crs=4490,
    )  # fmt: skip
    path = tmp_path / "new.gpkg"
    frame.to_file(path)
    return path, sub


def _env(settings) -> dict[str, str]:
    # libpq names the import's connections; a hung import dumps its threads on SIGABRT
    return subprocess_env(settings, PGAPPNAME=APP, PYTHONFAULTHANDLER="1")


def _as_from_a_terminal() -> None:
    """Ctrl-C reaches a command started from a terminal. A suite started in the background
    by a non-interactive shell (``nohup make test &``) has SIGINT ignored, and an ignored
    signal stays ignored in every child: the import would never see it (this test failed
    so in two fresh-clone runs started that way)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_interrupted_import_leaves_register_unchanged(engine, settings, tmp_path, sig) -> None:
    path, sub = _file(engine, tmp_path)
    with Session(engine) as lock_session, Session(engine) as watch:
        before = watch.execute(text("SELECT count(*) FROM parcel")).scalar_one()
        lock_session.execute(text("LOCK TABLE parcel IN SHARE ROW EXCLUSIVE MODE"))
        proc = subprocess.Popen(
            [sys.executable, "-m", "landgis", "cadastre", "import", str(path),
             "--rejected", str(tmp_path / "rej.csv")],
            env=_env(settings), cwd=REPO_ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            preexec_fn=_as_from_a_terminal,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 120
            while not watch.execute(text(WAITING)).first():
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                assert time.monotonic() < deadline, "the import never reached its INSERT"
                watch.rollback()
            proc.send_signal(sig)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGABRT)  # faulthandler prints every thread's stack
                out = proc.communicate(timeout=30)[0]
                raise AssertionError(f"the import did not stop:\n{out.decode()[-30000:]}") from None
        finally:
            if proc.poll() is None:
                proc.kill()
            lock_session.rollback()  # releases the lock
        watch.rollback()
        output = proc.stdout.read().decode() if proc.stdout else ""
        assert proc.returncode != 0, output
        after = watch.execute(text("SELECT count(*) FROM parcel")).scalar_one()
        stray = watch.execute(
            text("SELECT count(*) FROM parcel WHERE unit_code LIKE :p"), {"p": f"{sub}GB888%"}
        ).scalar_one()
    assert after == before and stray == 0
