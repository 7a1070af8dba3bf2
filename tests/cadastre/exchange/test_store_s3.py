"""What exchange jobs and survey hand-offs leave behind lives in the store (issue 15): on
a real SeaweedFS bucket (``LANDGIS_STORE_URL``) an export's file and an import's rejected
rows are objects under ``jobs/<id>/``, downloaded through presigned URLs (so any server
behind the balancer answers them), and pruning the job deletes the object; a survey's
original becomes the case's source under ``sources/``; nothing is kept under
``files_dir``."""

from __future__ import annotations

import hashlib

import httpx
import obstore
import pyogrio
from sqlalchemy import text

from cadastre.registry.sources import add_source
from gis.jobs import store as job_store
from gis.settings import REPO_ROOT, get_settings
from tests.engines import objects

SAMPLES = REPO_ROOT / "data" / "samples"


def local_files() -> list[str]:
    root = get_settings().files_dir
    return sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _presigned(client, path: str, headers: dict[str, str]) -> bytes:
    got = client.get(path, headers=headers, follow_redirects=False)
    assert got.status_code == 307, got.text
    assert "X-Amz-Signature=" in got.headers["location"]
    body = httpx.get(got.headers["location"], timeout=30)
    assert body.status_code == 200
    return body.content


def test_export_file_is_an_object_and_pruning_the_job_deletes_it(
    inline_client, auth, db, subzone, on_s3, tmp_path, engine
) -> None:
    h = auth("registrar")
    res = inline_client.post(
        "/api/v1/cadastre/exports", json={"format": "gpkg", "zone": subzone}, headers=h
    )
    job = res.json()
    assert job["status"] == "done", job
    key = f"jobs/{job['id']}/parcels.gpkg"
    assert objects(on_s3) == [key]
    assert local_files() == []
    data = _presigned(inline_client, f"/api/v1/cadastre/exports/{job['id']}/file", h)
    assert data == bytes(obstore.get(on_s3, key).bytes())
    (tmp_path / "got.gpkg").write_bytes(data)
    assert len(pyogrio.read_dataframe(tmp_path / "got.gpkg")) == job["result"]["features"] > 0
    with engine.begin() as conn:  # the job ended long ago
        conn.execute(
            text(
                "UPDATE job SET created_at = created_at - make_interval(days => :d) WHERE id = :i"
            ),
            {"d": get_settings().job_keep_days + 1, "i": job["id"]},
        )
    assert job_store.prune(engine) >= 1
    assert objects(on_s3) == []
    gone = inline_client.get(f"/api/v1/cadastre/exports/{job['id']}/file", headers=h)
    assert gone.status_code == 404 and gone.json()["field"] == "job_id"


def test_rejected_rows_of_an_import_are_an_object(inline_client, auth, db, exported, on_s3) -> None:
    h = auth("registrar")
    res = inline_client.post(
        "/api/v1/cadastre/imports",
        files={"file": (exported.name, exported.read_bytes())},
        headers=h,
    )
    job = res.json()
    assert job["status"] == "failed" and job["error"]["field"] == "file"
    assert objects(on_s3) == [f"jobs/{job['id']}/rejected_rows.csv"]
    assert local_files() == []
    rows = _presigned(inline_client, f"/api/v1/cadastre/imports/{job['id']}/rejected", h)
    assert b"already registered" in rows


def test_a_survey_original_becomes_the_case_source_in_the_bucket(client, auth, db, on_s3) -> None:
    data = (SAMPLES / "boundary_points_lonlat.csv").read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    up = client.post(
        "/api/v1/surveys",
        files={"file": ("b.csv", data)},
        data={"surveyor": "李测绘"},
        headers=auth("surveyor"),
    )
    assert up.status_code == 201, up.text
    survey_key = f"surveys/{digest[:2]}/{digest}.csv"
    assert objects(on_s3) == [survey_key]
    res = client.post(
        f"/api/v1/surveys/{up.json()['id']}/case",
        json={"kind": "new_parcel", "land_use": "0701"},
        headers=auth("registrar"),
    )
    assert res.status_code == 201, res.text
    number = res.json()["case_number"]
    payload = db.execute(
        text("SELECT payload FROM reg_case WHERE public_number = :n"), {"n": number}
    ).scalar_one()
    assert payload["source"]["path"] == survey_key and payload["source"]["sha256"] == digest
    kept = add_source(db, payload["source"])  # what entry does with it: a copy in sources/
    assert kept.path == f"sources/{digest[:2]}/{digest}" and kept.size_bytes == len(data)
    assert bytes(obstore.get(on_s3, kept.path).bytes()) == data
    # a registrar adds the signed plan: kept under sources/, downloaded presigned
    scan = b"%PDF-1.4 signed survey plan"
    doc = client.post(
        f"/api/v1/cases/{number}/documents",
        data={"kind": "survey_plan", "title": "界址点成果表"},
        files={"file": ("plan.pdf", scan)},
        headers=auth("registrar"),
    )
    assert doc.status_code == 201, doc.text
    scan_sha = hashlib.sha256(scan).hexdigest()
    scan_key = f"sources/{scan_sha[:2]}/{scan_sha}"
    assert scan_key in objects(on_s3)
    got = _presigned(
        client, f"/api/v1/cases/{number}/documents/{doc.json()['document_id']}", auth("registrar")
    )
    assert got == scan
    assert local_files() == []
