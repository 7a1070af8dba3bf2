"""Change detection: a new built-up block on farmland is found with the right area and
verdict, one on a registered construction parcel is explained, unchanged land gives nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import rasterio
from fastapi.testclient import TestClient
from rasterio.enums import Resampling
from rasterio.warp import calculate_default_transform, reproject
from sqlalchemy.orm import Session

from tests.gis.raster.conftest import Site, count_rows, write_image

Headers = Callable[[str], dict[str, str]]


def import_path(client: TestClient, auth: Headers, path: Path, **form: str) -> int:
    resp = client.post(
        "/api/v1/rasters", data={"path": str(path), **form}, headers=auth("surveyor")
    )
    assert resp.status_code == 201, resp.text
    return int(resp.json()["id"])


def run(client: TestClient, auth: Headers, a: int, b: int, **extra: object):  # type: ignore[no-untyped-def]
    body = {"before_id": a, "after_id": b, **extra}
    return client.post("/api/v1/changes", json=body, headers=auth("inspector"))


def test_ndvi_change_finds_the_illegal_block_and_explains_the_approved_one(
    client: TestClient,
    auth: Headers,
    site: Site,
    image_pair,  # type: ignore[no-untyped-def]
) -> None:
    before, after = image_pair()
    a = import_path(client, auth, before, acquired_on="2025-06-01", sensor="GF-2")
    b = import_path(client, auth, after, acquired_on="2026-06-01", sensor="GF-2")
    resp = run(client, auth, a, b)
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["method"] == "ndvi" and body["patch_count"] == 2
    patches = {f["properties"]["verdict"]: f for f in body["patches"]["features"]}
    illegal = patches["suspected_illegal"]["properties"]
    assert float(illegal["area_m2"]) == pytest.approx(site.area_m2(site.illegal), rel=0.01)
    assert illegal["in_farmland"] is True
    assert illegal["verdict_zh"] == "疑似违法用地"
    assert illegal["direction"] == "decrease" and illegal["mean_change"] < -0.4
    assert illegal["status"] == "pending"
    assert any(z["layer"] == "farmland" for z in illegal["zones"])
    assert illegal["parcels"] and not any(p["approved"] for p in illegal["parcels"])
    approved = patches["approved"]["properties"]
    assert float(approved["area_m2"]) == pytest.approx(site.area_m2(site.approved), rel=0.01)
    assert approved["approved_ratio"] > 0.99
    assert any(p["approved"] and p["label"][:2] in ("06", "07") for p in approved["parcels"])


def test_unchanged_pair_gives_no_patch(
    client: TestClient, auth: Headers, site: Site, tmp_path: Path
) -> None:
    a = import_path(client, auth, write_image(tmp_path / "a.tif", site, [], seed=3))
    b = import_path(client, auth, write_image(tmp_path / "b.tif", site, [], seed=4))
    resp = run(client, auth, a, b)
    assert resp.status_code == 201 and resp.json()["patch_count"] == 0


def test_min_area_drops_small_patches(
    client: TestClient,
    auth: Headers,
    site: Site,
    image_pair,  # type: ignore[no-untyped-def]
) -> None:
    before, after = image_pair()
    a, b = import_path(client, auth, before), import_path(client, auth, after)
    smaller = min(site.area_m2(site.illegal), site.area_m2(site.approved))
    resp = run(client, auth, a, b, min_area_m2=smaller + 1)
    assert resp.status_code == 201 and resp.json()["patch_count"] == 1


def test_rgb_pair_uses_the_per_band_difference(
    client: TestClient, auth: Headers, site: Site, tmp_path: Path
) -> None:
    rgb = ("red", "green", "blue")
    a = import_path(client, auth, write_image(tmp_path / "a.tif", site, [], bands=rgb))
    after = write_image(tmp_path / "b.tif", site, [site.illegal], bands=rgb, seed=5)
    b = import_path(client, auth, after)
    resp = run(client, auth, a, b)
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["method"] == "band_difference" and body["patch_count"] == 1
    props = body["patches"]["features"][0]["properties"]
    assert float(props["area_m2"]) == pytest.approx(site.area_m2(site.illegal), rel=0.01)
    assert props["direction"] == "increase"


def to_cgcs2000(src_path: Path, dst_path: Path) -> Path:
    """Reproject an image to EPSG:4490 (lon/lat) on its own grid, as another supplier might."""
    with rasterio.open(src_path) as src:
        transform, width, height = calculate_default_transform(
            src.crs, "EPSG:4490", src.width, src.height, *src.bounds
        )
        profile = {**src.profile, "crs": "EPSG:4490", "transform": transform}
        profile.update(width=width, height=height)
        with rasterio.open(dst_path, "w", **profile) as dst:
            for i in range(1, src.count + 1):
                reproject(
                    rasterio.band(src, i),
                    rasterio.band(dst, i),
                    resampling=Resampling.nearest,
                )
                dst.set_band_description(i, src.descriptions[i - 1])
    return dst_path


def test_after_image_on_another_grid_and_crs_is_aligned(
    client: TestClient, auth: Headers, site: Site, tmp_path: Path
) -> None:
    """The after image comes in EPSG:4490, shifted half a pixel: reprojected, still found."""
    a = import_path(client, auth, write_image(tmp_path / "a.tif", site, []))
    shifted = write_image(tmp_path / "b.tif", site, [site.illegal], origin_shift=(2.0, -2.0))
    b = import_path(client, auth, to_cgcs2000(shifted, tmp_path / "b4490.tif"))
    resp = run(client, auth, a, b)
    assert resp.status_code == 201, resp.text
    assert resp.json()["grid"]["crs"] == "EPSG:4547"
    props = resp.json()["patches"]["features"][0]["properties"]
    assert resp.json()["patch_count"] == 1
    assert float(props["area_m2"]) == pytest.approx(site.area_m2(site.illegal), rel=0.15)
    assert props["verdict"] == "suspected_illegal"


def test_pair_that_does_not_overlap_is_refused(
    client: TestClient, auth: Headers, db: Session, site: Site, tmp_path: Path
) -> None:
    a = import_path(client, auth, write_image(tmp_path / "a.tif", site, []))
    far = write_image(tmp_path / "b.tif", site, [], origin_shift=(50_000.0, 0.0))
    b = import_path(client, auth, far)
    resp = run(client, auth, a, b)
    assert resp.status_code == 422 and resp.json()["field"] == "after_id"
    assert "overlap" in resp.json()["detail"]
    assert count_rows(db, "change_run") == 0 and count_rows(db, "change_patch") == 0


def test_pair_with_different_band_counts_is_refused(
    client: TestClient, auth: Headers, db: Session, site: Site, tmp_path: Path
) -> None:
    a = import_path(client, auth, write_image(tmp_path / "a.tif", site, []))
    rgb = write_image(tmp_path / "b.tif", site, [], bands=("red", "green", "blue"))
    b = import_path(client, auth, rgb)
    resp = run(client, auth, a, b)
    assert resp.status_code == 422 and resp.json()["field"] == "after_id"
    assert "4 and 3 bands" in resp.json()["detail"]
    assert count_rows(db, "change_run") == 0


def test_change_request_validation(client: TestClient, auth: Headers, db: Session) -> None:
    resp = run(client, auth, 1, 1, threshold=-1)
    assert resp.status_code == 422 and resp.json()["field"] == "threshold"
    resp = run(client, auth, 999998, 999999)
    assert resp.status_code == 404 and resp.json()["field"] == "raster_id"
    resp = client.post(
        "/api/v1/changes", json={"before_id": 1, "after_id": 2}, headers=auth("bidder")
    )
    assert resp.status_code == 403
    assert count_rows(db, "change_run") == 0
