"""The durable job store: rows written outside the caller's transaction, seen by every
process; throttled progress; interrupted jobs reported failed; owners; pruning."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, create_engine, pool, text

from gis.auth.roles import Role
from gis.auth.service import Principal
from gis.errors import Conflict, NotFound
from gis.jobs import heartbeat, store
from gis.settings import REPO_ROOT, Settings, override_settings
from gis.store import get_store
from tests.conftest import subprocess_env

ALICE = Principal(1, "jobs-test-alice", Role.REGISTRAR)
BOB = Principal(2, "jobs-test-bob", Role.REGISTRAR)
ADMIN = Principal(3, "jobs-test-admin", Role.ADMIN)
KINDS = ("test.work",)


@pytest.fixture
def other(settings: Settings) -> Iterator[Engine]:
    """A second engine (own connections, no shared pool): what another process would see."""
    eng = create_engine(settings.sqlalchemy_url(), poolclass=pool.NullPool)
    yield eng
    with eng.begin() as conn:
        conn.execute(text("DELETE FROM job WHERE kind LIKE 'test.%'"))
    eng.dispose()


def row(eng: Engine, job_id: str) -> dict:
    with eng.connect() as conn:
        found = conn.execute(text("SELECT * FROM job WHERE id = :id"), {"id": job_id}).mappings()
        return dict(found.one())


def test_status_is_written_outside_the_callers_rolled_back_transaction(
    engine: Engine, db, other
) -> None:
    job = store.create(engine, "test.work", ALICE.username)
    job.start()
    db.rollback()  # the caller's work transaction; the job row is not part of it
    seen = row(other, job.id)
    assert seen["status"] == "running" and seen["owner"] == ALICE.username
    assert seen["started_at"] is not None and seen["worker"] == heartbeat.worker_name()
    job.succeed({"n": 3})
    seen = row(other, job.id)
    assert seen["status"] == "done" and seen["result"] == {"n": 3}
    assert seen["finished_at"] >= seen["started_at"]
    assert job.id not in heartbeat.beating()


def test_progress_moves_and_is_throttled(engine: Engine, other) -> None:
    job = store.create(engine, "test.work", ALICE.username)
    job.start()
    for i in range(1, 5001):
        job.progress(i, 10_000, "reading")  # microseconds apart: kept in memory
    assert job.done == 5000 and row(other, job.id)["done"] == 0
    time.sleep(store.PROGRESS_INTERVAL_S)
    job.progress(6000, 10_000, "writing")
    seen = row(other, job.id)
    assert (seen["done"], seen["total"], seen["stage"]) == (6000, 10_000, "writing")
    job.progress(6001)
    assert row(other, job.id)["done"] == 6000  # throttled again
    job.fail({"title": "Error", "detail": "boom"})
    seen = row(other, job.id)
    assert (seen["status"], seen["done"], seen["error"]["detail"]) == ("failed", 6001, "boom")


def test_heartbeat_keeps_a_silent_job_alive(engine: Engine, other, settings: Settings) -> None:
    override_settings(settings.model_copy(update={"job_heartbeat_timeout_s": 2}))
    try:
        # beats every 0.5 s
        job = store.create(engine, "test.work", ALICE.username, status="running")
        first = row(other, job.id)["heartbeat_at"]
        time.sleep(1.5)
        later = row(other, job.id)["heartbeat_at"]
        assert later - first >= timedelta(seconds=0.4)  # no progress call, still beating
        assert store.get(engine, job.id, KINDS, ALICE).status == "running"
        job.succeed({})
    finally:
        override_settings(settings)


def test_a_job_whose_process_stopped_beating_is_reported_interrupted(
    engine: Engine, other, settings
) -> None:
    job = store.create(engine, "test.work", ALICE.username, status="running")
    heartbeat.forget(job.id)  # as if its process had died on another host
    with other.begin() as conn:
        conn.execute(
            text(
                "UPDATE job SET worker = 'elsewhere:1', heartbeat_at = now() - "
                "make_interval(secs => :s) WHERE id = :id"
            ),
            {"id": job.id, "s": settings.job_heartbeat_timeout_s + 5},
        )
    seen = store.get(engine, job.id, KINDS, ALICE)
    assert seen.status == "failed" and seen.finished_at is not None
    assert seen.error is not None and seen.error["detail"].startswith("interrupted: the server")
    assert "nothing of it was kept" in seen.error["detail"] and "已中断" in seen.error["detail_zh"]
    assert row(other, job.id)["status"] == "failed"  # recorded, not only reported


def test_start_up_marks_jobs_of_dead_processes_failed(engine: Engine, settings, other) -> None:
    code = (
        "import time\nfrom gis.db import Database\nfrom gis.jobs import store\n"
        "job = store.create(Database().engine, 'test.work', 'jobs-test-alice', "
        "status='running')\n"
        "print(job.id, flush=True)\ntime.sleep(600)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        env=subprocess_env(settings),
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        job_id = proc.stdout.readline().strip()
        assert store.get(engine, job_id, KINDS, ALICE).status == "running"  # seen from this process
        mine = store.create(engine, "test.work", ALICE.username, status="running")
        store.recover_dead(engine)  # both processes alive: neither job is touched
        assert store.get(engine, job_id, KINDS, ALICE).status == "running"
        assert store.get(engine, mine.id, KINDS, ALICE).status == "running"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert store.recover_dead(engine) >= 1
    dead = store.get(engine, job_id, KINDS, ALICE)
    assert dead.status == "failed" and dead.error is not None
    assert dead.error["title"] == "Interrupted"
    assert store.get(engine, mine.id, KINDS, ALICE).status == "running"
    mine.succeed({})


def test_a_kept_file_is_in_the_store_and_goes_with_the_pruned_job(
    engine: Engine, other, tmp_path
) -> None:
    """What a job leaves for download is a store object (any process answers it), not a
    file of this process's scratch folder; pruning the job deletes it."""
    job = store.create(engine, "test.work", ALICE.username)
    made = tmp_path / "out.csv"
    made.write_text("row,reason\n")
    job.keep_file(made)
    assert job.file == f"jobs/{job.id}/out.csv" and not made.exists()
    job.succeed({})
    assert row(other, job.id)["file"] == job.file
    kept = get_store().local_path(job.file)
    assert kept is not None and kept.read_text() == "row,reason\n"
    with other.begin() as conn:
        conn.execute(
            text("UPDATE job SET created_at = now() - make_interval(days => 8) WHERE id = :i"),
            {"i": job.id},
        )
    assert store.prune(engine) >= 1
    assert not kept.exists() and not get_store().exists(job.file)


def test_owner_and_admin_see_a_job_others_get_not_found(engine: Engine, other) -> None:
    job = store.create(engine, "test.work", ALICE.username)
    assert store.get(engine, job.id, KINDS, ALICE).owner == ALICE.username
    assert store.get(engine, job.id, KINDS, ADMIN).id == job.id
    with pytest.raises(NotFound):
        store.get(engine, job.id, KINDS, BOB)
    with pytest.raises(NotFound):
        store.get(engine, job.id, ("test.other",), ADMIN)  # another kind's id is unknown here
    with pytest.raises(NotFound):
        store.get(engine, "nope", KINDS, ADMIN)
    with pytest.raises(Conflict):
        store.create(engine, "test.work", ALICE.username, job_id=job.id)


def test_old_jobs_are_pruned_with_their_folders_when_a_new_one_starts(
    engine: Engine, other, tmp_path
) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "old-export").mkdir()
    (tmp_path / "old-export" / "out.gpkg").write_bytes(b"x")
    (tmp_path / "recent").mkdir()
    with other.begin() as conn:
        for job_id, days, folder in [("test-old", 8, "old"), ("test-recent", 6, "recent")]:
            conn.execute(
                text(
                    "INSERT INTO job (id, kind, owner, status, workdir, file, created_at) "
                    "VALUES (:id, 'test.work', 'x', 'done', :w, :f, now() - make_interval("
                    "days => :d))"
                ),
                {
                    "id": job_id,
                    "d": days,
                    "w": str(tmp_path / folder),
                    "f": str(tmp_path / "old-export" / "out.gpkg") if days > 7 else None,
                },
            )
    store.create(engine, "test.work", ALICE.username)
    with other.connect() as conn:
        left = set(conn.execute(text("SELECT id FROM job WHERE id LIKE 'test-%'")).scalars())
    assert left == {"test-recent"}
    assert not (tmp_path / "old").exists() and not (tmp_path / "old-export").exists()
    assert (tmp_path / "recent").exists()
    with other.begin() as conn:
        conn.execute(text("DELETE FROM job WHERE id = 'test-recent'"))
