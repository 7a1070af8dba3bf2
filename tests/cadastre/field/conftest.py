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


@pytest.fixture(autouse=True)
def _remove_photos(db: Session) -> Iterator[None]:
    """Photos a test's sync stored under files_dir are removed with the test's rows."""
    yield
    from gis.settings import get_settings

    kept = db.execute(
        text(
            "SELECT photo FROM field_observation WHERE photo <> '' UNION "
            "SELECT photo FROM change_patch WHERE photo <> '' AND checked_by LIKE 'test-%' UNION "
            "SELECT mine->>'photo_saved' FROM field_conflict WHERE mine->>'photo_saved' <> ''"
        )
    ).scalars()
    for relative in kept:
        (get_settings().files_dir / relative).unlink(missing_ok=True)


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


def zip_folder(folder: Path) -> bytes:
    """The package folder zipped the way a phone's file manager does it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                z.write(path, path.relative_to(folder))
    return buf.getvalue()


def upload(
    client: TestClient, headers: dict[str, str], package_id: str, data: bytes, name: str
) -> Any:
    return client.post(
        f"/api/v1/field/packages/{package_id}/sync",
        files={"file": (name, data, "application/octet-stream")},
        headers=headers,
    )


def photo(path: Path, lon: float, lat: float, taken: str) -> None:
    """A JPEG with EXIF GPS position and time, as a phone camera writes it (Pillow)."""
    from PIL import Image
    from PIL.TiffImagePlugin import IFDRational

    def dms(v: float) -> tuple[IFDRational, IFDRational, IFDRational]:
        d = int(v)
        m = int((v - d) * 60)
        s = (v - d - m / 60) * 3600
        return IFDRational(d, 1), IFDRational(m, 1), IFDRational(round(s * 10000), 10000)

    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: dms(lat), 3: "E", 4: dms(lon)})
    exif.get_ifd(0x8769)[36867] = taken
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (48, 32), (110, 150, 90)).save(path, exif=exif)


def register_state(db: Session) -> dict[str, int]:
    """Counts that must not move when a sync changes nothing."""
    sql = {
        "parcel_versions": "SELECT count(*) FROM parcel",
        "cases": "SELECT count(*) FROM reg_case",
        "surveys": "SELECT count(*) FROM survey",
        "observations": "SELECT count(*) FROM field_observation",
        "conflicts": "SELECT count(*) FROM field_conflict",
        "checked": "SELECT count(*) FROM change_patch WHERE checked_at IS NOT NULL",
        "journal": "SELECT count(*) FROM journal",
    }
    return {k: int(db.execute(text(q)).scalar_one()) for k, q in sql.items()}


def findings(db: Session) -> dict[str, Any]:
    """The register's own checks (as ``landgis cadastre verify`` and ``check`` run them):
    the journal's hash chain, consistency findings and overlapping current parcels."""
    from cadastre.registry import consistency
    from cadastre.registry.journal import verify

    overlaps = db.execute(
        text(
            "SELECT count(*) FROM parcel a JOIN parcel b ON a.id < b.id "
            "AND a.end_lifespan IS NULL AND b.end_lifespan IS NULL "
            "AND ST_Overlaps(a.geom, b.geom) AND ST_Area(ST_Intersection(a.geom, b.geom)) > 1e-12"
        )
    ).scalar_one()
    found = consistency.check(db)
    return {
        "journal_ok": verify(db).ok,
        "overlaps": overlaps,
        "consistency": {k: len(v) for k, v in found.items()},
    }
