"""API jobs on a real server: they run in a background thread and report progress."""

from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.auth.service import add_user, issue_token


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
