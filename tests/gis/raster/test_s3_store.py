"""Rasters on object storage (issue 15): a real SeaweedFS (S3) started by the test.

Import writes the COG to the bucket (nothing left on local disk), tiles and change
detection read it through GDAL's ``/vsis3/``, the download is a presigned URL served by
the store (ranges too), and a delete removes the object (its tiles then answer 404).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import numpy as np
import obstore
import pytest
import shapely
from fastapi.testclient import TestClient
from obstore.store import S3Store
from rio_cogeo.cogeo import cog_validate
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from gis.auth.service import add_user, issue_token
from gis.geo import reproject
from gis.raster import parcel_change, service
from gis.settings import Settings, get_settings, override_settings
from gis.store import get_store
from tests.conftest import free_port
from tests.engines import S3, landgis_server, objects, prefixed
from tests.gis.raster.conftest import (
    PIXEL_M,
    REAL,
    Site,
    count_rows,
    files_in,
    staged,
    write_image,
)
from tests.gis.raster.test_changes import import_path, run
from tests.gis.raster.test_tiles_pages import centre_tile, imported, png

Headers = Callable[[str], dict[str, str]]


@pytest.fixture
def bucket(s3: S3, raster_settings: Settings) -> Iterator[S3Store]:
    """This test's settings store under a fresh prefix of the bucket; yields that prefix
    as an obstore store (to look at what the app wrote)."""
    prefix = f"test-{uuid.uuid4().hex[:10]}"
    env = s3.env(prefix)
    on_s3 = raster_settings.model_copy(
        update={
            "store_url": env["LANDGIS_STORE_URL"],
            "s3_endpoint_url": s3.endpoint,
            "aws_access_key_id": s3.key,
            "aws_secret_access_key": s3.secret,
        }
    )
    override_settings(on_s3)
    yield prefixed(s3, prefix)
    override_settings(raster_settings)


def test_import_writes_a_valid_cog_to_the_bucket_and_nothing_to_local_disk(
    client: TestClient, auth: Headers, bucket: S3Store, db: Session
) -> None:
    item = imported(client, auth, "RGB.byte.tif")
    keys = objects(bucket)
    assert len(keys) == 1 and keys[0].startswith("rasters/") and keys[0].endswith(".tif")
    assert not [
        p for p in files_in(get_settings()) if p.suffix == ".tif" and "samples" not in str(p)
    ]
    assert service.get_raster(db, item["id"]).path == keys[0]  # the catalogue names the key
    gdal = get_store().gdal_path(keys[0])
    assert gdal.startswith("/vsis3/landgis/test-")
    assert cog_validate(gdal, quiet=True)[0]  # read in place through /vsis3/


def test_tiles_render_from_the_bucket(client: TestClient, auth: Headers, bucket: S3Store) -> None:
    item = imported(client, auth, "RGB.byte.tif")
    t = centre_tile(item, 9)
    img = png(client.get(f"/api/v1/rasters/{item['id']}/tiles/{t.z}/{t.x}/{t.y}.png"))
    assert img.shape[:2] == (256, 256) and np.count_nonzero(img[..., :3]) > 1000


def test_download_is_a_presigned_url_served_by_the_store_with_ranges(
    client: TestClient, auth: Headers, bucket: S3Store
) -> None:
    item = imported(client, auth, "RGB.byte.tif")
    href = item["assets"]["cog"]["href"]
    resp = client.get(href, follow_redirects=False)
    assert resp.status_code == 307
    url = resp.headers["location"]
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url
    key = objects(bucket)[0]
    whole = httpx.get(url, timeout=30)
    assert whole.status_code == 200
    assert whole.content == bytes(obstore.get(bucket, key).bytes())
    part = httpx.get(url, headers={"Range": "bytes=0-3"}, timeout=30)
    assert part.status_code == 206 and part.content in (b"II*\x00", b"MM\x00*")
    forged = url.replace("X-Amz-Signature=", "X-Amz-Signature=0")
    assert httpx.get(forged, timeout=30).status_code == 403


def test_delete_removes_the_object_and_its_tiles_answer_404(
    client: TestClient, auth: Headers, bucket: S3Store
) -> None:
    item = imported(client, auth, "RGB.byte.tif")
    t = centre_tile(item, 9)
    url = f"/api/v1/rasters/{item['id']}/tiles/{t.z}/{t.x}/{t.y}.png"
    assert client.get(url).status_code == 200
    assert len(objects(bucket)) == 1
    assert client.delete(f"/api/v1/rasters/{item['id']}", headers=auth("admin")).status_code == 204
    assert objects(bucket) == []
    assert client.get(url).status_code == 404


def test_a_raster_deleted_by_another_server_is_404_at_once(
    client: TestClient, auth: Headers, bucket: S3Store
) -> None:
    """Another process deleted the object: this one's cached catalogue row and open
    reader must not serve it (the store is asked on every tile)."""
    item = imported(client, auth, "RGB.byte.tif")
    t = centre_tile(item, 9)
    url = f"/api/v1/rasters/{item['id']}/tiles/{t.z}/{t.x}/{t.y}.png"
    assert client.get(url).status_code == 200
    obstore.delete(bucket, objects(bucket)[0])
    other = centre_tile(item, 10)  # not cached as a tile: would render from the reader
    gone = client.get(f"/api/v1/rasters/{item['id']}/tiles/{other.z}/{other.x}/{other.y}.png")
    assert gone.status_code == 404


def test_change_detection_reads_both_cogs_from_the_bucket(
    client: TestClient, auth: Headers, bucket: S3Store, site: Site, tmp_path: Path
) -> None:
    before = write_image(tmp_path / "before.tif", site, [], seed=1)
    after = write_image(tmp_path / "after.tif", site, [site.illegal, site.approved], seed=2)
    a = import_path(client, auth, before, acquired_on="2025-06-01")
    b = import_path(client, auth, after, acquired_on="2026-06-01")
    assert len(objects(bucket)) == 2
    resp = run(client, auth, a, b)
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["patch_count"] == 2
    verdicts = {f["properties"]["verdict"]: f["id"] for f in body["patches"]["features"]}
    assert set(verdicts) == {"suspected_illegal", "approved"}
    # the inspector's field photo goes to the bucket too, and comes back presigned
    jpeg = b"\xff\xd8\xff\xe0 field photo bytes"
    checked = client.patch(
        f"/api/v1/change-patches/{verdicts['suspected_illegal']}",
        data={"status": "confirmed", "note": "新建厂房"},
        files={"photo": ("site.jpg", jpeg, "image/jpeg")},
        headers=auth("inspector"),
    )
    assert checked.status_code == 200, checked.text
    photos = [k for k in objects(bucket) if k.startswith("change_photos/")]
    assert len(photos) == 1 and bytes(obstore.get(bucket, photos[0]).bytes()) == jpeg
    photo_url = f"/api/v1/change-patches/{verdicts['suspected_illegal']}/photo"
    moved = client.get(photo_url, follow_redirects=False)
    assert moved.status_code == 307
    assert httpx.get(moved.headers["location"], timeout=30).content == jpeg
    assert not [p for p in files_in(get_settings()) if "change_photos" in str(p)]


def test_an_unreachable_store_is_a_503_and_the_import_leaves_nothing(
    client: TestClient, auth: Headers, s3: S3, raster_settings: Settings, db: Session
) -> None:
    """The store stops answering (here: nothing listens at its address): the import is
    refused with 503 and Retry-After, no catalogue row and no local file remain."""
    dead = raster_settings.model_copy(
        update={
            "store_url": f"s3://{s3.bucket}/dead",
            "s3_endpoint_url": f"http://127.0.0.1:{free_port()}",
            "aws_access_key_id": s3.key,
            "aws_secret_access_key": s3.secret,
        }
    )
    override_settings(dead)
    try:
        rows = count_rows(db, "raster")
        resp = client.post(
            "/api/v1/rasters", data={"path": str(staged("RGB.byte.tif"))}, headers=auth("surveyor")
        )
        assert resp.status_code == 503, resp.text
        assert resp.headers["retry-after"] == "30"
        assert count_rows(db, "raster") == rows
        assert not [p for p in files_in(dead) if "samples" not in str(p)]
    finally:
        override_settings(raster_settings)


def test_a_real_server_configured_by_environment_keeps_rasters_in_the_bucket(
    s3: S3, settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    """``landgis serve`` with LANDGIS_STORE_URL, LANDGIS_S3_ENDPOINT_URL and the AWS_*
    keys in its environment: upload, tile, presigned download and delete, all on S3."""
    prefix = f"live-{uuid.uuid4().hex[:10]}"
    tag = uuid.uuid4().hex[:8]
    with Session(engine) as s:
        tokens = {
            role: issue_token(add_user(s, f"s3-{role}-{tag}", "correct horse battery", role))
            for role in ("surveyor", "admin")
        }
        s.commit()
    # the tokens were signed with this test's key: the server must share it, as every
    # server behind a balancer must (deploy/haproxy/README.md)
    env = s3.env(prefix) | {"LANDGIS_SECRET_KEY": get_settings().jwt_secret()}
    with (
        landgis_server(settings, tmp_path / "s3-server.log", **env) as (base, _),
        httpx.Client(base_url=base, timeout=60) as c,
        (REAL / "RGB.byte.tif").open("rb") as fh,
    ):
        made = c.post(
            "/api/v1/rasters",
            files={"file": ("RGB.byte.tif", fh)},
            headers={"Authorization": f"Bearer {tokens['surveyor']}"},
        )
        assert made.status_code == 201, made.text
        item = made.json()
        bucket = prefixed(s3, prefix)
        assert len(objects(bucket)) == 1
        t = centre_tile(item, 9)
        png(c.get(f"/api/v1/rasters/{item['id']}/tiles/{t.z}/{t.x}/{t.y}.png"))
        cog = c.get(f"/api/v1/rasters/{item['id']}/cog")
        assert cog.status_code == 307
        assert httpx.get(cog.headers["location"], timeout=30).content[:4] == b"II*\x00"
        admin = {"Authorization": f"Bearer {tokens['admin']}"}
        assert c.delete(f"/api/v1/rasters/{item['id']}", headers=admin).status_code == 204
        assert objects(bucket) == []


def test_parcel_monitoring_reads_the_scenes_from_the_bucket(
    client: TestClient, auth: Headers, bucket: S3Store, site: Site, db: Session, tmp_path: Path
) -> None:
    """The port trading's 批后监管 uses opens the scenes through ``/vsis3/``: the new
    building on the sold parcel is measured from the bucket, no local copy needed."""
    before = write_image(tmp_path / "before.tif", site, [], seed=3)
    after = write_image(tmp_path / "after.tif", site, [site.illegal], seed=4)
    import_path(client, auth, before, acquired_on="2025-05-01")
    import_path(client, auth, after, acquired_on="2026-05-01")
    row, col, size = site.illegal
    x0, y0 = site.origin[0] + (col + 1) * PIXEL_M, site.origin[1] - (row + 1) * PIXEL_M
    inner = shapely.box(x0, y0 - (size - 2) * PIXEL_M, x0 + (size - 2) * PIXEL_M, y0)
    polygon = reproject(inner, 4547, 4490)  # EPSG:4490 lon/lat, as the port takes it
    scenes = parcel_change.scenes_over(db, polygon)
    assert len(scenes) == 2
    change = parcel_change.built_up_change(scenes[0], scenes[1], polygon)
    assert all(str(s.path).startswith("/vsis3/landgis/test-") for s in scenes)
    assert change.share > 0.9 and change.footprint is not None
    assert not [
        p for p in files_in(get_settings()) if p.suffix == ".tif" and "samples" not in str(p)
    ]
