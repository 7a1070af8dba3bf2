"""Two check-ins of the same package racing on the real server (``landgis serve``): the
package row is locked and the ledger remembers every change, so each field change is
applied exactly once, never twice, over many trials."""

from __future__ import annotations

import io
import threading
import time
import uuid
import zipfile
from pathlib import Path

import httpx
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from gis.auth.service import add_user, issue_token
from tests.cadastre.field.qfield import edit

TRIALS = 15


def _cleanup(engine: Engine, user: str) -> None:
    with Session(engine) as session:
        ids = "(SELECT id FROM field_package WHERE owner = :u)"
        for table in ("field_change", "field_conflict", "field_observation", "field_sync"):
            session.execute(text(f"DELETE FROM {table} WHERE package_id IN {ids}"), {"u": user})
        session.execute(text("DELETE FROM field_package WHERE owner = :u"), {"u": user})
        session.execute(text("DELETE FROM job WHERE owner = :u"), {"u": user})
        session.execute(text("DELETE FROM app_user WHERE username = :u"), {"u": user})
        session.commit()


def _checkout(base: str, headers: dict[str, str], code: str, folder: Path) -> tuple[str, Path]:
    r = httpx.post(f"{base}/api/v1/field/packages", json={"unit_codes": [code]},
                   headers=headers, timeout=30)  # fmt: skip
    assert r.status_code == 202, r.text
    job_id = r.json()["id"]
    for _ in range(200):
        job = httpx.get(f"{base}/api/v1/field/jobs/{job_id}", headers=headers).json()
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert job["status"] == "done", job
    z = httpx.get(f"{base}/api/v1/field/jobs/{job_id}/file", headers=headers, timeout=30)
    with zipfile.ZipFile(io.BytesIO(z.content)) as archive:
        archive.extractall(folder)
    return job["result"]["package_id"], folder / job["result"]["gpkg"]


def test_racing_check_ins_apply_each_change_once(
    live_server: str, engine: Engine, tmp_path: Path
) -> None:
    user = f"race-{uuid.uuid4().hex[:8]}"
    with Session(engine) as session:
        token = issue_token(add_user(session, user, "correct horse battery", "surveyor"))
        code, x, y = session.execute(text(
            "SELECT unit_code, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) "
            "FROM parcel WHERE end_lifespan IS NULL ORDER BY unit_code LIMIT 1"
        )).one()  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    try:
        package_id, gpkg = _checkout(live_server, headers, code, tmp_path)
        url = f"{live_server}/api/v1/field/packages/{package_id}/sync"
        applied_total = 0
        for trial in range(TRIALS):
            edit(gpkg, [{"op": "add", "layer": "observations", "wkt": f"POINT ({x} {y})",
                         "values": {"unit_code": code, "note": f"trial {trial}"}}])  # fmt: skip
            data = gpkg.read_bytes()
            start = threading.Barrier(2)
            results: list[httpx.Response] = []

            def post(
                data: bytes = data,
                start: threading.Barrier = start,
                results: list[httpx.Response] = results,
            ) -> None:
                start.wait()
                files = {"file": ("p.gpkg", data, "application/octet-stream")}
                results.append(httpx.post(url, files=files, headers=headers, timeout=60))

            threads = [threading.Thread(target=post) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert [r.status_code for r in results] == [200, 200], [r.text for r in results]
            applied = sorted(len(r.json()["applied"]) for r in results)
            assert applied == [0, 1], [r.json() for r in results]  # once, by one of the two
            applied_total += 1
        with Session(engine) as session:
            notes = session.execute(text(
                "SELECT note FROM field_observation WHERE package_id = :p ORDER BY id"
            ), {"p": package_id}).scalars().all()  # fmt: skip
        assert notes == [f"trial {t}" for t in range(TRIALS)] and applied_total == TRIALS
    finally:
        _cleanup(engine, user)
