"""Imports by server path read only files inside ``raster_import_root`` (after links and
``..`` are resolved); everything else is refused naming the field ``path``."""

from __future__ import annotations

import os
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gis.settings import Settings
from tests.gis.raster.conftest import REAL, count_rows, files_in, staged

Headers = Callable[[str], dict[str, str]]
OUTSIDE = REAL / "RGB.byte.tif"  # a readable raster outside the import folder


def _post(client: TestClient, auth: Headers, path: str):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/rasters", data={"path": path}, headers=auth("surveyor"))


def _refused(resp, status: int) -> str:  # type: ignore[no-untyped-def]
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body = resp.json()
    assert body["field"] == "path"
    return str(body["detail"])


def test_paths_outside_the_import_folder_are_refused(
    client: TestClient, auth: Headers, db: Session, raster_settings: Settings
) -> None:
    root = raster_settings.raster_import_root
    escapes = [
        os.path.relpath(OUTSIDE, root),  # ../../.. from the folder
        str(root / ".." / ".." / OUTSIDE.relative_to("/")),
        str(OUTSIDE),  # absolute, outside
        "/etc/passwd",
        "/no/such/file.tif",  # outside and missing: the same answer
    ]
    for path in escapes:
        detail = _refused(_post(client, auth, path), 403)
        assert "import folder" in detail and str(root.resolve()) in detail, detail
        assert "LANDGIS_RASTER_IMPORT_ROOT" in detail
    (root / "link.tif").symlink_to(OUTSIDE)
    (root / "linked-dir").symlink_to(REAL, target_is_directory=True)
    for path in ("link.tif", str(root / "link.tif"), "linked-dir/RGB.byte.tif"):
        detail = _refused(_post(client, auth, path), 403)
        assert "outside the import folder" in detail
    assert count_rows(db, "raster") == 0 and files_in(raster_settings) == []


def test_missing_files_inside_the_folder_are_named(
    client: TestClient, auth: Headers, raster_settings: Settings
) -> None:
    root = raster_settings.raster_import_root
    (root / "folder").mkdir()
    assert "no file" in _refused(_post(client, auth, "nothing.tif"), 422)
    assert "not a file" in _refused(_post(client, auth, "folder"), 422)
    assert _refused(_post(client, auth, " "), 422)


def test_a_file_inside_the_folder_imports(
    client: TestClient, auth: Headers, raster_settings: Settings
) -> None:
    good = staged("RGB.byte.tif")
    root = raster_settings.raster_import_root
    relative = str(good.relative_to(root))
    resp = _post(client, auth, relative)
    assert resp.status_code == 201, resp.text
    assert resp.json()["properties"]["proj:shape"] == [718, 791]
    (root / "inside-link.tif").symlink_to(good)  # a link that stays inside is fine
    assert _post(client, auth, str(root / "inside-link.tif")).status_code == 201
    assert _post(client, auth, "samples/../samples/RGB.byte.tif").status_code == 201


def test_a_vrt_cannot_make_the_server_read_other_files(
    client: TestClient, auth: Headers, db: Session, raster_settings: Settings
) -> None:
    root = raster_settings.raster_import_root
    vrt = root / "escape.vrt"
    vrt.write_text(
        '<VRTDataset rasterXSize="718" rasterYSize="791"><SRS>EPSG:32618</SRS>'
        "<GeoTransform>101985.0, 300.04, 0.0, 2826915.0, 0.0, -300.04</GeoTransform>"
        '<VRTRasterBand dataType="Byte" band="1"><SimpleSource>'
        f'<SourceFilename relativeToVRT="0">{OUTSIDE}</SourceFilename>'
        "<SourceBand>1</SourceBand></SimpleSource></VRTRasterBand></VRTDataset>"
    )
    resp = _post(client, auth, "escape.vrt")
    assert resp.status_code == 415 and "VRT" in resp.json()["detail"], resp.text
    with vrt.open("rb") as fh:
        up = client.post(
            "/api/v1/rasters", files={"file": ("escape.vrt", fh)}, headers=auth("surveyor")
        )
    assert up.status_code == 415 and up.json()["field"] == "file", up.text
    assert count_rows(db, "raster") == 0
