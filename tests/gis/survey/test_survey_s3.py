"""Survey originals on object storage (issue 15): with ``LANDGIS_STORE_URL`` the original
file is an object of a real SeaweedFS bucket, named by its SHA-256, and nothing is kept
under ``files_dir``; a refused file leaves no object (and no local file) behind."""

from __future__ import annotations

import hashlib
from pathlib import Path

import obstore
import pytest
from sqlalchemy import text

from gis.settings import REPO_ROOT, get_settings
from gis.store import get_store
from tests.engines import objects

SAMPLES = REPO_ROOT / "data" / "samples"


def local_files() -> list[Path]:
    root = get_settings().files_dir
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def upload(client, auth, name: str, data: bytes):
    return client.post(
        "/api/v1/surveys",
        files={"file": (name, data)},
        data={"surveyor": "王测量"},
        headers=auth("surveyor"),
    )


def test_the_original_is_an_object_named_by_its_sha256(client, auth, db, on_s3) -> None:
    data = (SAMPLES / "survey.gpx").read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    res = upload(client, auth, "Survey.GPX", data)
    assert res.status_code == 201, res.text
    key = f"surveys/{digest[:2]}/{digest}.gpx"
    assert objects(on_s3) == [key]
    assert bytes(obstore.get(on_s3, key).bytes()) == data
    row = db.execute(text("SELECT file_path FROM survey WHERE id = :i"), {"i": res.json()["id"]})
    assert row.scalar_one() == key  # the row names the key, which any server can read
    assert get_store().exists(key) and get_store().local_path(key) is None
    assert local_files() == []
    again = upload(client, auth, "again.gpx", data)  # the same content: the same object
    assert again.status_code == 201 and objects(on_s3) == [key]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("empty.gpx", b""),
        ("broken.gpx", b"<gpx><trk><trkseg><trkpt lat="),
        ("points.csv", "点号,X,Y\nJ1,abc,def\n".encode()),
    ],
)
def test_a_refused_file_leaves_no_object(client, auth, db, on_s3, name, data) -> None:
    before = db.execute(text("SELECT count(*) FROM survey")).scalar_one()
    res = upload(client, auth, name, data)
    assert 400 <= res.status_code < 500, res.text
    assert res.headers["content-type"].startswith("application/problem+json")
    assert res.json()["field"]
    assert db.execute(text("SELECT count(*) FROM survey")).scalar_one() == before
    assert objects(on_s3) == []
    assert local_files() == []
