"""Issue 12, bounded work and no 5xx: each finding of the hostile test, proved against the
real app (TestClient on the test database; server exceptions become responses)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import rasterio
from fastapi import FastAPI
from fastapi.testclient import TestClient
from rasterio.transform import from_origin
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from cadastre.collections import PARCELS
from gis import limits
from gis.db import get_session
from gis.errors import PayloadTooLarge
from gis.exchange.archive import check_zip
from gis.raster import tiles

PROBLEM = "application/problem+json"


@pytest.fixture
def raw(db: Session) -> Iterator[TestClient]:
    """The app on the rolled-back session, answering server errors as responses."""
    from landgis.app import create_app

    app = create_app()
    app.dependency_overrides[get_session] = lambda: db
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


FIVE_XX = [
    ("get", "/api/v1/rasters?offset=99999999999999999999", None),
    ("get", "/ogc/collections/parcels/items?offset=99999999999999999999", None),
    ("get", "/api/v1/rasters/99999999999999999999", None),
    ("get", "/api/v1/rasters/3000000000", None),
    ("get", "/api/v1/changes/3000000000", None),
    ("get", "/api/v1/change-patches/3000000000", None),
    ("get", "/api/v1/cases/AB%00C", None),
    ("get", "/ogc/collections/parcels/items/a%00b", None),
    ("get", "/api/v1/cases?status=a%00b", None),
    ("post", "/api/v1/auth/token", {"data": {"username": "a\x00b", "password": "x"}}),
    (
        "post",
        "/api/v1/planning/editions",
        {"json": {"name": "a\x00b", "approved_on": "2026-01-01"}},
    ),
    (
        "post",
        "/api/v1/cases/online",
        {"data": {"case_type": "initial", "holders": '[{"name": "\\ud800x"}]'}},
    ),
    ("post", "/api/v1/cases/online", {"data": {"case_type": "init\x00ial"}}),
]


@pytest.mark.parametrize(("method", "url", "kw"), FIVE_XX)
def test_bad_input_is_a_4xx_problem(raw: TestClient, method: str, url: str, kw: dict) -> None:
    r = getattr(raw, method)(url, **(kw or {}))
    assert 400 <= r.status_code < 500, r.text
    assert r.headers["content-type"] == PROBLEM


def test_any_remaining_500_is_a_problem_without_server_paths(db: Session) -> None:
    from landgis.app import create_app

    app: FastAPI = create_app()

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError(f"secret path {Path(__file__).resolve()}")

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom")
    assert r.status_code == 500
    assert r.headers["content-type"] == PROBLEM
    assert "/work" not in r.text and "secret" not in r.text


def test_raster_tile_zoom_out_of_range_is_422_not_overflow() -> None:
    with pytest.raises(Exception) as err:
        tiles.check_tile_address(2000, 1, 1)
    assert type(err.value).__name__ == "InvalidInput"
    with pytest.raises(tiles.TileNotInRaster):
        tiles.check_tile_address(3, 8, 0)


def test_anonymous_json_over_1_mib_is_413_before_reading(raw: TestClient) -> None:
    body = b'{"items": [' + b" " * (2 * 1024 * 1024) + b"]}"
    r = raw.post(
        "/api/v1/planning/compliance/batch",
        content=body,
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413
    assert r.headers["content-type"] == PROBLEM


def test_world_size_and_many_vertex_polygons_are_refused(raw: TestClient) -> None:
    n = limits.get_settings().limit_geometry_vertices + 5
    ring = [[round(113 + i / n / 100, 6), 23.0] for i in range(n)] + [[113, 23.01], [113, 23]]
    world = {"type": "Polygon", "coordinates": [[[-170, -80], [170, -80], [170, 80], [-170, -80]]]}
    for geometry in ({"type": "Polygon", "coordinates": [ring]}, world):
        r = raw.post(
            "/api/v1/planning/compliance",
            json={"geometry": geometry, "proposed_land_use": "0701"},
        )
        assert r.status_code == 422, r.text[:300]
        assert r.json()["field"] == "geometry"
    ring = [[113.0 + i * 1e-7, 23.0] for i in range(100_000)]  # the finding: 100,000 vertices
    r = raw.post(
        "/api/v1/planning/compliance",
        json={"geometry": {"type": "Polygon", "coordinates": [ring]}, "proposed_land_use": "0701"},
    )
    assert r.status_code == 413  # over the anonymous body limit before it is even parsed


def test_geometry_outside_the_district_is_refused(db: Session) -> None:
    far = {"type": "Polygon", "coordinates": [[[80, 40], [80.01, 40], [80.01, 40.01], [80, 40]]]}
    with pytest.raises(Exception) as err:
        limits.check_geometry(far, "geometry", db, within=PARCELS)  # the district: parcels
    assert "extent" in str(err.value)


def test_batch_size_is_bounded(raw: TestClient) -> None:
    n = limits.get_settings().limit_batch_items + 1
    items = [{"unit_code": "x" * 28, "proposed_land_use": "0701"}] * n
    r = raw.post("/api/v1/planning/compliance/batch", json={"items": items})
    assert r.status_code == 422
    assert r.json()["field"] == "items"


def test_statement_timeout_per_route_class(engine: Engine) -> None:
    limits.install_statement_timeout()
    with limits.statement_timeout(200), Session(engine) as s:
        assert s.execute(text("SHOW statement_timeout")).scalar_one() == "200ms"
        with pytest.raises(OperationalError):
            s.execute(text("SELECT pg_sleep(2)"))
    with Session(engine) as s:  # outside a request: the server's own setting
        assert s.execute(text("SHOW statement_timeout")).scalar_one() == "0"


def test_a_timed_out_statement_is_a_503_problem(engine: Engine) -> None:
    from landgis.app import create_app

    app = create_app()

    @app.get("/slow")
    def slow() -> None:
        with Session(engine) as s:
            s.execute(text("SELECT pg_sleep(10)"))

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/slow")  # anonymous: limit_anonymous_statement_ms (5 s)
    assert r.status_code == 503
    assert r.headers["content-type"] == PROBLEM
    assert r.headers["retry-after"]


def test_zip_of_many_small_members_expanding_1000_times_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for i in range(40):
            zf.writestr(f"m{i}.dbf", b"\0" * (1 << 20))  # each exactly 1 MiB, ~1000x
    with pytest.raises(PayloadTooLarge):
        check_zip(path, 10**9)


def test_zip_member_count_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(limits.get_settings().limit_zip_members + 1):
            zf.writestr(f"m{i}.txt", b"x")
    with pytest.raises(PayloadTooLarge):
        check_zip(path, 10**9)


def _scene(path: Path, overviews: bool) -> Path:
    size = 4096
    data = np.random.default_rng(1).integers(0, 255, (size, size), dtype="uint8")
    profile = {
        "driver": "GTiff",
        "width": size,
        "height": size,
        "count": 1,
        "dtype": "uint8",
        "crs": "EPSG:3857",
        "transform": from_origin(12_600_000, 2_600_000, 1.0, 1.0),
        "tiled": True,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
        if overviews:
            dst.build_overviews([2, 4, 8, 16])
    return path


def test_tiles_far_below_native_zoom_need_overviews(tmp_path: Path) -> None:
    bare = tiles.open_reader(_scene(tmp_path / "bare.tif", overviews=False))
    with pytest.raises(tiles.TileTooCoarse):
        tiles.check_overviews(bare, 10)
    tiles.check_overviews(bare, 16)  # near native zoom: fine
    with_overviews = tiles.open_reader(_scene(tmp_path / "ovr.tif", overviews=True))
    tiles.check_overviews(with_overviews, 10)  # served from the overviews


def test_online_file_over_20_mib_is_413(raw: TestClient) -> None:
    big = io.BytesIO(b"x" * (limits.get_settings().limit_online_file_bytes + 1))
    r = raw.post(
        "/api/v1/cases/online",
        data={"case_type": "initial"},
        files={"files": ("scan.pdf", big, "application/pdf")},
    )
    assert r.status_code == 413, r.text[:300]


def test_online_request_over_50_mib_is_413_before_reading(raw: TestClient) -> None:
    r = raw.post(
        "/api/v1/cases/online",
        content=b"x",
        headers={
            "content-type": "multipart/form-data; boundary=x",
            "content-length": str(60 * 1024 * 1024),
        },
    )
    assert r.status_code == 413


def test_html_pages_send_security_headers(raw: TestClient) -> None:
    r = raw.get("/maps/planning")
    assert r.status_code == 200
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "SAMEORIGIN"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_openapi_declares_problem_responses_by_security_class(raw: TestClient) -> None:
    paths = raw.get("/openapi.json").json()["paths"]
    online = paths["/api/v1/cases/online"]["post"]["responses"]
    assert {"413", "422", "429", "409"} <= set(online)
    detail = paths["/api/v1/cases/{public_number}/detail"]["get"]["responses"]
    assert {"401", "403", "404"} <= set(detail)


def test_error_details_never_show_server_paths(db: Session) -> None:
    from gis.errors import InvalidInput
    from landgis.app import create_app

    app = create_app()
    files = limits.get_settings().files_dir

    @app.get("/bad-file")
    def bad_file() -> None:
        raise InvalidInput(f"{files}/rasters/.incoming/ab12/scene.tif: not a raster; see /api/v1/x")

    with TestClient(app) as c:
        r = c.get("/bad-file")
    assert r.status_code == 422
    assert str(files) not in r.text and ".incoming" not in r.text
    assert r.json()["detail"] == "scene.tif: not a raster; see /api/v1/x"
