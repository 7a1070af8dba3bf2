"""Raster import: real samples to validated COGs in the catalogue; bad input refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from fastapi.testclient import TestClient
from rasterio.warp import transform_bounds
from rio_cogeo.cogeo import cog_validate
from shapely.geometry import box, shape
from sqlalchemy.orm import Session

from gis.raster import cog, reading, service
from gis.raster.schemas import StacItem, StacItemCollection
from gis.settings import Settings
from tests.gis.raster.conftest import REAL, count_rows, files_in, staged


def upload(client: TestClient, headers: dict[str, str], path: Path, **form: str):  # type: ignore[no-untyped-def]
    with path.open("rb") as fh:
        return client.post(
            "/api/v1/rasters", files={"file": (path.name, fh)}, data=form, headers=headers
        )


def test_landsat_sample_imports_as_valid_cog_in_the_right_place(
    client: TestClient,
    auth,
    raster_settings: Settings,  # type: ignore[no-untyped-def]
) -> None:
    src = REAL / "RGB.byte.tif"
    resp = upload(
        client, auth("surveyor"), src, sensor="Landsat-7", acquired_on="2001-05-14", name="RGB"
    )
    assert resp.status_code == 201, resp.text
    item = resp.json()
    with rasterio.open(src) as ds:
        expected = transform_bounds(ds.crs, "EPSG:4490", *ds.bounds, densify_pts=21)
    assert item["bbox"] == pytest.approx(list(expected), abs=0.15)  # the data, not the box
    footprint = shape(item["geometry"])
    assert footprint.within(box(*expected).buffer(1e-6))
    assert footprint.area < 0.85 * box(*expected).area  # the scene is tilted in its box
    assert -79.0 < item["bbox"][0] < -78.0 and 23.0 < item["bbox"][1] < 24.0  # the Bahamas
    props = item["properties"]
    assert props["proj:epsg"] == 32618
    assert props["proj:shape"] == [718, 791]
    assert props["datetime"] == "2001-05-14T00:00:00Z"
    assert [b["name"] for b in props["eo:bands"]] == ["red", "green", "blue"]
    stats = item["assets"]["cog"]["raster:bands"][0]["statistics"]
    assert stats["minimum"] >= 1 and stats["maximum"] <= 255 and stats["count"] > 0
    cogs = [p for p in files_in(raster_settings) if p.suffix == ".tif"]
    assert len(cogs) == 1 and cog_validate(str(cogs[0]), quiet=True)[0]
    with rasterio.open(cogs[0]) as out:
        assert out.overviews(1) and out.nodata == 0
    again = client.get(f"/api/v1/rasters/{item['id']}")
    assert again.status_code == 200 and again.json()["id"] == item["id"]


def test_srtm_tile_in_a_zip_imports_from_a_server_path(
    client: TestClient,
    auth,
    raster_settings: Settings,  # type: ignore[no-untyped-def]
) -> None:
    resp = client.post(
        "/api/v1/rasters",
        data={"path": str(staged("N10W110.hgt.zip")), "sensor": "SRTM"},
        headers=auth("inspector"),
    )
    assert resp.status_code == 201, resp.text
    item = resp.json()
    assert item["bbox"] == pytest.approx([-110.0004, 9.9996, -108.9996, 11.0004], abs=1e-3)
    assert item["properties"]["proj:shape"] == [1201, 1201]
    assert item["properties"]["eo:bands"] == [{"name": "elevation"}]
    url = f"/api/v1/raster-jobs/{item['properties']['landgis:job']}"
    job = client.get(url, headers=auth("inspector")).json()
    assert job["status"] == "succeeded" and job["result"] == {"raster_id": int(item["id"])}


def test_corrupt_file_is_refused_and_leaves_nothing(
    client: TestClient,
    auth,
    db: Session,
    raster_settings: Settings,  # type: ignore[no-untyped-def]
) -> None:
    before = count_rows(db, "raster")
    resp = upload(client, auth("surveyor"), REAL / "corrupt.tif")
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith("application/problem+json")
    body = resp.json()
    assert body["field"] == "file" and "damaged" in body["detail"]
    assert count_rows(db, "raster") == before
    assert files_in(raster_settings) == []


def test_raster_without_crs_or_transform_is_refused(
    client: TestClient,
    auth,
    db: Session,
    raster_settings: Settings,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    path = tmp_path / "plain.tif"
    with rasterio.open(path, "w", driver="GTiff", width=20, height=20, count=1, dtype="uint8") as d:
        d.write(np.zeros((1, 20, 20), "uint8"))
    resp = upload(client, auth("surveyor"), path)
    assert resp.status_code == 422 and resp.json()["field"] == "file"
    assert "coordinate reference system" in resp.json()["detail"]
    assert count_rows(db, "raster") == 0 and files_in(raster_settings) == []


def test_pixel_limit_is_enforced(
    client: TestClient,
    auth,
    db: Session,
    raster_settings: Settings,  # type: ignore[no-untyped-def]
) -> None:
    from gis.settings import override_settings

    override_settings(raster_settings.model_copy(update={"raster_max_pixels": 100_000}))
    resp = upload(client, auth("surveyor"), REAL / "RGB.byte.tif")
    assert resp.status_code == 422 and resp.json()["field"] == "file"
    assert "LANDGIS_RASTER_MAX_PIXELS" in resp.json()["detail"]
    assert count_rows(db, "raster") == 0 and files_in(raster_settings) == []


def test_unsupported_format_is_415(
    client: TestClient,
    auth,
    db: Session,
    raster_settings: Settings,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("this is not an image\n")
    resp = upload(client, auth("surveyor"), path)
    assert resp.status_code == 415 and resp.json()["field"] == "file"
    assert count_rows(db, "raster") == 0 and files_in(raster_settings) == []


def test_import_needs_a_writing_role_and_one_source(client: TestClient, auth, db: Session) -> None:  # type: ignore[no-untyped-def]
    assert upload(client, {}, REAL / "RGB.byte.tif").status_code == 401
    assert upload(client, auth("bidder"), REAL / "RGB.byte.tif").status_code == 403
    resp = client.post("/api/v1/rasters", data={"sensor": "x"}, headers=auth("surveyor"))
    assert resp.status_code == 422 and resp.json()["field"] == "file"
    resp = upload(client, auth("surveyor"), REAL / "RGB.byte.tif", acquired_on="2001-13-01")
    assert resp.status_code == 422 and resp.json()["field"] == "acquired_on"
    resp = upload(client, auth("surveyor"), REAL / "RGB.byte.tif", bands="red,green")
    assert resp.status_code == 422 and resp.json()["field"] == "bands"
    resp = upload(client, auth("surveyor"), REAL / "RGB.byte.tif", sensor="S" * 65)
    assert resp.status_code == 422 and resp.json()["field"] == "sensor"
    assert count_rows(db, "raster") == 0


def test_interrupted_conversion_leaves_no_file_and_no_row(
    db: Session, raster_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*_a: object, **_k: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cog, "cog_validate", interrupted)
    with pytest.raises(KeyboardInterrupt):
        service.import_raster(db, service.ImportRequest(source=REAL / "RGB.byte.tif"))
    assert count_rows(db, "raster") == 0
    assert files_in(raster_settings) == []


def test_search_by_bbox_date_and_sensor(client: TestClient, auth) -> None:  # type: ignore[no-untyped-def]
    h = auth("surveyor")
    assert (
        upload(
            client, h, REAL / "RGB.byte.tif", sensor="Landsat-7", acquired_on="2001-05-14"
        ).status_code
        == 201
    )
    resp = client.post(
        "/api/v1/rasters",
        data={
            "path": str(staged("N10W110.hgt.zip")),
            "sensor": "SRTM",
            "acquired_on": "2000-02-11",
        },
        headers=h,
    )
    assert resp.status_code == 201
    made = StacItem.model_validate(resp.json())  # the import answers its declared item
    assert made.properties.model_extra and made.properties.model_extra["landgis:job"]

    def ids(**q: str) -> list[str]:
        r = client.get("/api/v1/rasters", params=q)
        assert r.status_code == 200, r.text
        return [f["properties"]["landgis:sensor"] for f in r.json()["features"]]

    assert ids() == ["Landsat-7", "SRTM"]
    page = StacItemCollection.model_validate(client.get("/api/v1/rasters").json())  # contract
    assert [
        StacItem.model_validate(client.get(f"/api/v1/rasters/{f.id}").json()).id
        for f in page.features
    ] == [f.id for f in page.features]
    assert ids(bbox="-80,20,-75,26") == ["Landsat-7"]
    assert ids(bbox="113,22,114,24") == []
    assert ids(datetime="2001-01-01/..") == ["Landsat-7"]
    assert ids(datetime="2000-01-01/2000-12-31") == ["SRTM"]
    assert ids(sensor="srtm") == ["SRTM"]
    bad = client.get("/api/v1/rasters", params={"bbox": "1,2,3"})
    assert bad.status_code == 422 and bad.json()["field"] == "bbox"
    bad = client.get("/api/v1/rasters", params={"datetime": "2001-02-30/.."})
    assert bad.status_code == 422 and bad.json()["field"] == "datetime"
    assert client.get("/api/v1/rasters/999999").status_code == 404


def test_jpeg2000_and_striped_files_import(
    client: TestClient,
    auth,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    """JPEG 2000 (another driver); a one-strip GeoTIFF read in row windows."""
    data = (np.arange(3 * 64 * 80) % 251).astype("uint8").reshape(3, 64, 80)
    profile = {
        "width": 80,
        "height": 64,
        "count": 3,
        "dtype": "uint8",
        "crs": "EPSG:4547",
        "transform": rasterio.transform.from_origin(480_000, 2_545_000, 2.0, 2.0),
    }
    jp2 = tmp_path / "scene.jp2"
    with rasterio.open(jp2, "w", driver="JP2OpenJPEG", **profile) as dst:
        dst.write(data)
    resp = upload(client, auth("surveyor"), jp2)
    assert resp.status_code == 201, resp.text
    assert resp.json()["properties"]["landgis:driver"] == "JP2OpenJPEG"
    assert 113.7 < resp.json()["bbox"][0] < 113.9
    with rasterio.open(jp2) as src:
        small = reading.read_windows(src, max_pixels=80 * 10)
        assert len(small) == 7 and sum(w.height for w in small) == 64


def test_failed_import_job_reports_the_error(client: TestClient, auth) -> None:  # type: ignore[no-untyped-def]
    job_id = "0123456789abcdef0123456789abcdef"
    resp = upload(client, auth("surveyor"), REAL / "corrupt.tif", job_id=job_id)
    assert resp.status_code == 422
    job = client.get(f"/api/v1/raster-jobs/{job_id}", headers=auth("surveyor")).json()
    assert job["status"] == "failed" and "damaged" in job["error"]
    assert job["stage"] == "reading" and job["total"] > 0
    again = upload(client, auth("surveyor"), REAL / "corrupt.tif", job_id=job_id)
    assert again.status_code == 409 and again.json()["field"] == "job_id"
    assert client.get("/api/v1/raster-jobs/nope", headers=auth("surveyor")).status_code == 404
    assert client.get(f"/api/v1/raster-jobs/{job_id}").status_code == 401
    assert client.get(f"/api/v1/raster-jobs/{job_id}", headers=auth("inspector")).status_code == 404


def test_admin_deletes_a_raster_and_its_cog(
    client: TestClient,
    auth,
    db: Session,
    raster_settings: Settings,  # type: ignore[no-untyped-def]
) -> None:
    item = upload(client, auth("surveyor"), REAL / "RGB.byte.tif").json()
    url = f"/api/v1/rasters/{item['id']}"
    assert client.delete(url, headers=auth("surveyor")).status_code == 403
    assert files_in(raster_settings)
    assert client.delete(url, headers=auth("admin")).status_code == 204
    assert client.get(url).status_code == 404
    assert count_rows(db, "raster") == 0 and files_in(raster_settings) == []
