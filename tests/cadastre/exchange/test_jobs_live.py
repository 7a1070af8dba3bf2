"""API jobs on a real server: they run in a background thread and report progress."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from cadastre.exchange import jobs
from gis.auth.service import add_user, issue_token
from gis.jobs import heartbeat, store
from gis.settings import REPO_ROOT
from tests.conftest import _wait_healthy, free_port, server_env


@pytest.fixture
def registrar_token(engine) -> str:
    with Session(engine) as session:
        user = add_user(session, "live-registrar-exchange", "correct horse battery", "registrar")
        token = issue_token(user)
        session.commit()
    yield token
    with Session(engine) as session:
        session.execute(text("DELETE FROM app_user WHERE username = 'live-registrar-exchange'"))
        session.commit()


def _wait(client: httpx.Client, url: str) -> dict:
    for _ in range(600):  # the job ends; this only bounds a broken server
        job = client.get(url).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job at {url} never ended: {job}")


def test_export_then_refused_import_as_background_jobs(live_server, registrar_token, engine):
    headers = {"Authorization": f"Bearer {registrar_token}"}
    with Session(engine) as session:
        sub = session.execute(text("SELECT code FROM cadastral_subzone ORDER BY code")).scalar()
        before = session.execute(text("SELECT count(*) FROM parcel")).scalar_one()
    with httpx.Client(base_url=live_server, headers=headers, timeout=60) as client:
        res = client.post("/api/v1/cadastre/exports", json={"format": "geojson", "zone": sub})
        assert res.status_code == 202 and res.json()["status"] in ("queued", "running", "done")
        job = _wait(client, f"/api/v1/cadastre/exports/{res.json()['id']}")
        assert job["status"] == "done", job
        assert job["progress"]["done"] == job["result"]["features"] > 0
        data = client.get(f"/api/v1/cadastre/exports/{job['id']}/file").content
        assert data.count(b'"Feature"') == job["result"]["features"]
        res = client.post("/api/v1/cadastre/imports", files={"file": ("back.geojson", data)})
        assert res.status_code == 202
        job = _wait(client, f"/api/v1/cadastre/imports/{res.json()['id']}")
        assert job["status"] == "failed" and job["error"]["field"] == "file"
        assert job["progress"]["done"] == job["progress"]["total"] > 0
        rejected = client.get(f"/api/v1/cadastre/imports/{job['id']}/rejected").text
        assert "already registered" in rejected
    with Session(engine) as session:
        assert session.execute(text("SELECT count(*) FROM parcel")).scalar_one() == before


@pytest.fixture
def other_token(engine) -> str:
    with Session(engine) as session:
        user = add_user(session, "live-other-exchange", "correct horse battery", "registrar")
        token = issue_token(user)
        session.commit()
    yield token
    with Session(engine) as session:
        session.execute(text("DELETE FROM app_user WHERE username = 'live-other-exchange'"))
        session.commit()


def test_job_of_this_process_seen_by_the_server_only_for_its_owner(
    live_server, registrar_token, other_token, engine, settings
):
    """The job runs here; the server (another process) answers for it from the job table."""
    job = jobs.new_job(engine, "export", "live-registrar-exchange")
    job.start()
    job.progress(0, 500)
    time.sleep(store.PROGRESS_INTERVAL_S)
    job.progress(120)
    url = f"{live_server}/api/v1/cadastre/exports/{job.id}"
    owner = {"Authorization": f"Bearer {registrar_token}"}
    try:
        seen = httpx.get(url, headers=owner).json()
        assert seen["status"] == "running"
        assert seen["progress"] == {"done": 120, "total": 500, "stage": None}
        other = httpx.get(url, headers={"Authorization": f"Bearer {other_token}"})
        assert other.status_code == 404 and other.json()["field"] == "job_id"
        assert httpx.get(url).status_code == 401
        wrong_kind = f"{live_server}/api/v1/cadastre/imports/{job.id}"
        assert httpx.get(wrong_kind, headers=owner).status_code == 404
        store_heartbeat_stops(engine, job.id, settings.job_heartbeat_timeout_s + 1)
        seen = httpx.get(url, headers=owner).json()
        assert seen["status"] == "failed" and seen["error"]["title"] == "Interrupted"
        assert "the server stopped while the job ran" in seen["error"]["detail"]
    finally:
        heartbeat.forget(job.id)
        with Session(engine) as session:
            session.execute(text("DELETE FROM job WHERE id = :id"), {"id": job.id})
            session.commit()


def store_heartbeat_stops(engine, job_id: str, seconds: int) -> None:
    """As if the job's process had died ``seconds`` ago."""
    heartbeat.forget(job_id)
    with Session(engine) as session:
        session.execute(
            text("UPDATE job SET heartbeat_at = now() - make_interval(secs => :s) WHERE id = :id"),
            {"s": seconds, "id": job_id},
        )
        session.commit()


def test_two_workers_both_answer_for_a_job(settings, engine, registrar_token, tmp_path):
    """With LANDGIS_WORKERS=2 every status request finds the job, whichever worker serves it."""
    port = free_port()
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "landgis", "serve", "--no-demo"],
        env=server_env(settings, port, LANDGIS_WORKERS="2"),
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=REPO_ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {registrar_token}"}
    try:
        _wait_healthy(base, proc)
        with Session(engine) as session:
            sub = session.execute(text("SELECT code FROM cadastral_subzone ORDER BY code")).scalar()
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            res = client.post("/api/v1/cadastre/exports", json={"format": "fgb", "zone": sub})
            assert res.status_code == 202
            job = _wait(client, f"/api/v1/cadastre/exports/{res.json()['id']}")
            assert job["status"] == "done", job
            for _ in range(20):  # new connections, spread over both workers
                with httpx.Client(base_url=base, headers=headers) as fresh:
                    again = fresh.get(f"/api/v1/cadastre/exports/{job['id']}")
                    assert again.status_code == 200 and again.json()["status"] == "done"
            assert client.get(f"/api/v1/cadastre/exports/{job['id']}/file").content
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
