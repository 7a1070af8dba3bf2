"""Approval documents of plan editions kept in the store (issue 15): on local disk (the
app streams the download) and on a real SeaweedFS bucket (``LANDGIS_STORE_URL``: the
object ``planning/<sha256>.<ext>``, a presigned download, nothing under ``files_dir``);
a refused upload leaves no object behind."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import httpx
import obstore
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gis.settings import get_settings, override_settings
from gis.store import get_store
from tests.engines import objects

API = "/api/v1/planning"
SCAN = "%PDF-1.4 东府函〔2026〕9号 approval of the revision".encode()

Headers = Callable[[str], dict[str, str]]


def _edition(client: TestClient, auth: Headers) -> int:
    r = client.post(
        f"{API}/editions",
        json={"name": "2026 修编（存储）", "approved_on": "2026-12-01"},
        headers=auth("planner"),
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _attach(client: TestClient, auth: Headers, edition: int, name: str, data: bytes):
    return client.post(
        f"{API}/editions/{edition}/approval", files={"file": (name, data)}, headers=auth("planner")
    )


def _local_files() -> list[str]:
    root = get_settings().files_dir
    return sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_local_store_keeps_it_and_streams_the_download(
    client: TestClient, auth: Headers, db: Session
) -> None:
    edition = _edition(client, auth)
    none = client.get(f"{API}/editions/{edition}/approval", headers=auth("planner"))
    assert none.status_code == 404 and none.json()["field"] == "edition_id"
    up = _attach(client, auth, edition, "批复.PDF", SCAN)
    assert up.status_code == 200, up.text
    digest = hashlib.sha256(SCAN).hexdigest()
    key = f"planning/{digest}.pdf"
    assert up.json()["file_sha256"] == digest
    path = get_store().local_path(key)
    assert path is not None and path.read_bytes() == SCAN
    got = client.get(f"{API}/editions/{edition}/approval", headers=auth("planner"))
    assert got.status_code == 200 and got.content == SCAN
    assert "attachment" in got.headers["content-disposition"]
    assert client.get(f"{API}/editions/{edition}/approval").status_code == 401


def test_on_s3_the_document_is_an_object_with_a_presigned_download(
    client: TestClient, auth: Headers, db: Session, on_s3: object
) -> None:
    edition = _edition(client, auth)
    up = _attach(client, auth, edition, "批复.pdf", SCAN)
    assert up.status_code == 200, up.text
    key = f"planning/{hashlib.sha256(SCAN).hexdigest()}.pdf"
    assert objects(on_s3) == [key]
    assert bytes(obstore.get(on_s3, key).bytes()) == SCAN
    assert _local_files() == []
    got = client.get(
        f"{API}/editions/{edition}/approval", headers=auth("planner"), follow_redirects=False
    )
    assert got.status_code == 307
    url = got.headers["location"]
    assert "X-Amz-Signature=" in url
    assert httpx.get(url, timeout=30).content == SCAN


def test_on_s3_a_refused_upload_leaves_no_object(
    client: TestClient, auth: Headers, db: Session, on_s3: object
) -> None:
    edition = _edition(client, auth)
    wrong = _attach(client, auth, edition, "批复.exe", SCAN)
    assert wrong.status_code == 422 and wrong.json()["field"] == "file"
    assert wrong.headers["content-type"].startswith("application/problem+json")
    empty = _attach(client, auth, edition, "批复.pdf", b"")
    assert 400 <= empty.status_code < 500 and empty.json()["field"] == "file"
    override_settings(get_settings().model_copy(update={"upload_max_bytes": 16}))
    big = _attach(client, auth, edition, "批复.pdf", SCAN)  # on_s3 restores the settings
    assert big.status_code == 413 and big.json()["field"] == "file"
    assert objects(on_s3) == []
    assert _local_files() == []
    nothing = client.get(f"{API}/editions/{edition}/approval", headers=auth("planner"))
    assert nothing.status_code == 404
