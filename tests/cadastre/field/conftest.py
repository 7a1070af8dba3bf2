"""Fixtures of the field-package tests: checkout through the API (inline job runner) and
the package unpacked on disk, the way QField receives it."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from cadastre.exchange.jobs import InlineRunner
from cadastre.field import api as field_api

Headers = Callable[[str], dict[str, str]]


@pytest.fixture
def field_client(client: TestClient, db: Session) -> Iterator[TestClient]:
    """The API client with checkout jobs run inline in the test's session."""
    client.app.dependency_overrides[field_api.get_runner] = lambda: InlineRunner(db)  # type: ignore[attr-defined]
    yield client
    client.app.dependency_overrides.pop(field_api.get_runner, None)  # type: ignore[attr-defined]


def some_codes(db: Session, n: int, status: str = "registered") -> list[str]:
    """``n`` current parcels of one status that lie side by side (one block)."""
    rows = db.execute(
        text(
            "SELECT unit_code FROM parcel WHERE end_lifespan IS NULL AND reg_status = :s "
            "AND ST_NumGeometries(geom) = 1 ORDER BY block_code, unit_code LIMIT :n"
        ),
        {"s": status, "n": n},
    ).scalars()
    return list(rows)


def checkout(
    client: TestClient, headers: dict[str, str], tmp_path: Path, **body: Any
) -> tuple[dict[str, Any], Path]:
    """Check out through the API, download the zip and unpack it; (job result, gpkg path)."""
    r = client.post("/api/v1/field/packages", json=body, headers=headers)
    assert r.status_code == 202, r.text
    job = client.get(f"/api/v1/field/jobs/{r.json()['id']}", headers=headers).json()
    assert job["status"] == "done", job
    z = client.get(f"/api/v1/field/jobs/{job['id']}/file", headers=headers)
    assert z.status_code == 200 and z.headers["content-type"] == "application/zip"
    folder = tmp_path / "phone"
    with zipfile.ZipFile(io.BytesIO(z.content)) as archive:
        archive.extractall(folder)
    result = job["result"]
    return result, folder / result["gpkg"]
