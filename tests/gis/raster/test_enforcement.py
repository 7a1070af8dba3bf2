"""The enforcement list: field checks by inspectors, exports, the map page, the CLI."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pyogrio
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from gis.db import Database
from gis.raster import service
from gis.raster.cli import app as raster_cli
from gis.raster.schemas import ChangeRunPublic, ChangeRunWithPatches, PatchCollection, PatchFeature
from gis.settings import Settings
from landgis.collections import build_catalog
from tests.gis.raster.conftest import Site
from tests.gis.raster.test_changes import import_path, run

Headers = Callable[[str], dict[str, str]]


def detected(client: TestClient, auth: Headers, image_pair) -> dict:  # type: ignore[no-untyped-def]
    before, after = image_pair()
    a, b = import_path(client, auth, before), import_path(client, auth, after)
    resp = run(client, auth, a, b)
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def by_verdict(body: dict, verdict: str) -> dict:
    return next(f for f in body["patches"]["features"] if f["properties"]["verdict"] == verdict)


def test_inspector_confirms_a_patch_with_note_and_photo(
    client: TestClient,
    auth: Headers,
    image_pair,
    raster_settings: Settings,  # type: ignore[no-untyped-def]
) -> None:
    body = detected(client, auth, image_pair)
    patch = by_verdict(body, "suspected_illegal")
    resp = client.patch(
        f"/api/v1/change-patches/{patch['id']}",
        data={"status": "confirmed", "note": "新建厂房, 无用地手续"},
        files={"photo": ("site.jpg", b"\xff\xd8\xff\xe0 fake jpeg bytes", "image/jpeg")},
        headers=auth("inspector"),
    )
    assert resp.status_code == 200, resp.text
    props = resp.json()["properties"]
    assert props["status"] == "confirmed" and props["status_zh"] == "已确认违法"
    assert props["checked_by"] == "test-inspector" and props["checked_at"]
    photo = client.get(f"/api/v1/change-patches/{patch['id']}/photo")
    assert photo.status_code == 200 and photo.content.startswith(b"\xff\xd8")
    listed = client.get("/api/v1/change-patches", params={"status": "confirmed"}).json()
    assert [f["id"] for f in listed["features"]] == [patch["id"]]
    # every answer holds to the contract its route declares in the OpenAPI
    ChangeRunWithPatches.model_validate(body)
    PatchFeature.model_validate(resp.json())
    PatchCollection.model_validate(listed)
    run = client.get(f"/api/v1/changes/{body['id']}").json()
    assert "job" not in run and ChangeRunWithPatches.model_validate(run).id == body["id"]
    runs = [ChangeRunPublic.model_validate(r) for r in client.get("/api/v1/changes").json()]
    assert body["id"] in {r.id for r in runs}


def _names_seen(client: TestClient, run_id: int, patch_id: int, headers: dict[str, str]) -> set:
    """Every staff account name that the five read routes show to a caller."""
    seen = {r["created_by"] for r in client.get("/api/v1/changes", headers=headers).json()}
    one = client.get(f"/api/v1/changes/{run_id}", headers=headers).json()
    seen |= {one["created_by"]} | {
        f["properties"]["checked_by"] for f in one["patches"]["features"]
    }
    listed = client.get("/api/v1/change-patches", params={"run_id": run_id}, headers=headers)
    seen |= {f["properties"]["checked_by"] for f in listed.json()["features"]}
    patch = client.get(f"/api/v1/change-patches/{patch_id}", headers=headers).json()
    seen.add(patch["properties"]["checked_by"])
    csv_body = client.get(
        "/api/v1/change-patches", params={"run_id": run_id, "f": "csv"}, headers=headers
    ).content.decode("utf-8-sig")
    seen |= {r["checked_by"] for r in csv.DictReader(io.StringIO(csv_body))}
    return seen - {""}


def test_staff_accounts_are_shown_to_staff_only(
    client: TestClient,
    auth: Headers,
    image_pair,  # type: ignore[no-untyped-def]
) -> None:
    body = detected(client, auth, image_pair)
    patch = by_verdict(body, "suspected_illegal")
    checked = client.patch(
        f"/api/v1/change-patches/{patch['id']}",
        data={"status": "confirmed", "note": "新建厂房"},
        headers=auth("inspector"),
    )
    assert checked.status_code == 200, checked.text
    staff = _names_seen(client, body["id"], patch["id"], auth("inspector"))
    assert {"test-inspector", body["created_by"]} <= staff and body["created_by"]
    assert _names_seen(client, body["id"], patch["id"], {}) == set()  # the public
    assert _names_seen(client, body["id"], patch["id"], auth("bidder")) == set()
    forged = {"Authorization": "Bearer not.a.token"}
    assert client.get("/api/v1/changes", headers=forged).status_code == 401


def test_field_check_bad_input_changes_nothing(
    client: TestClient,
    auth: Headers,
    db: Session,
    image_pair,  # type: ignore[no-untyped-def]
) -> None:
    body = detected(client, auth, image_pair)
    pid = by_verdict(body, "suspected_illegal")["id"]
    url = f"/api/v1/change-patches/{pid}"
    cases = [
        ({"status": "maybe"}, None, "status"),
        ({"status": "dismissed", "note": "  "}, None, "note"),
        (
            {"status": "confirmed", "note": "x"},
            ("a.exe", b"MZ", "application/octet-stream"),
            "photo",
        ),
    ]
    for data, photo, field in cases:
        files = {"photo": photo} if photo else None
        resp = client.patch(url, data=data, files=files, headers=auth("inspector"))
        assert resp.status_code == 422 and resp.json()["field"] == field, resp.text
    assert (
        client.patch(
            url, data={"status": "confirmed", "note": "x"}, headers=auth("surveyor")
        ).status_code
        == 403
    )
    assert (
        client.patch(
            "/api/v1/change-patches/987654",
            data={"status": "confirmed", "note": "x"},
            headers=auth("inspector"),
        ).status_code
        == 404
    )
    row = db.execute(
        text("SELECT status, note, photo FROM change_patch WHERE id = :i"), {"i": pid}
    ).one()
    assert tuple(row) == ("pending", "", "")


def test_exports_csv_and_geopackage(
    client: TestClient,
    auth: Headers,
    image_pair,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    body = detected(client, auth, image_pair)
    params = {"run_id": body["id"]}
    resp = client.get("/api/v1/change-patches", params={**params, "f": "csv"})
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert sorted(r["verdict"] for r in rows) == ["approved", "suspected_illegal"]
    assert all(r["wkt"].startswith("POLYGON") or r["wkt"].startswith("MULTIPOLYGON") for r in rows)
    resp = client.get("/api/v1/change-patches", params={**params, "f": "gpkg"})
    assert resp.status_code == 200
    path = tmp_path / "out.gpkg"
    path.write_bytes(resp.content)
    frame = pyogrio.read_dataframe(path, layer="change_patch")
    assert len(frame) == 2 and frame.crs.to_epsg() == 4490
    assert set(frame["verdict_zh"]) == {"疑似违法用地", "有审批依据"}
    bad = client.get("/api/v1/change-patches", params={"verdict": "guilty"})
    assert bad.status_code == 422 and bad.json()["field"] == "verdict"


def test_changes_page_without_a_run_says_so(client: TestClient, db: Session) -> None:
    db.execute(text("DELETE FROM change_run"))  # rolled back after the test
    page = client.get("/maps/changes")
    assert page.status_code == 200 and "no change run yet" in page.text
    assert 'id="landgis-swipe"' not in page.text and 'id="map-config"' in page.text


def test_changes_page_swipes_between_the_images_with_patches_on_top(
    client: TestClient,
    auth: Headers,
    image_pair,  # type: ignore[no-untyped-def]
) -> None:
    body = detected(client, auth, image_pair)
    page = client.get("/maps/changes", params={"run_id": body["id"]})
    assert page.status_code == 200
    html = page.text
    for raster_id in (body["before_id"], body["after_id"]):
        assert f"/api/v1/rasters/{raster_id}/tiles/" in html
    assert 'id="landgis-swipe"' in html and '<script src="/static/changes.js">' in html
    assert "suspected_illegal" in html and "change patches" in html
    assert "cdn" not in html.lower()
    assert client.get("/maps/changes", params={"run_id": 55555}).status_code == 404


def test_cli_imports_detects_and_exports(
    raster_settings: Settings,
    database: Database,
    site: Site,
    image_pair,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    """The CLI commits for real (its own sessions): the rows are removed afterwards."""
    before, after = image_pair()
    cli = CliRunner()
    made: list[int] = []
    try:
        for path, day in ((before, "2025-06-01"), (after, "2026-06-01")):
            res = cli.invoke(raster_cli, ["import", str(path), "--sensor", "GF-2", "--date", day])
            assert res.exit_code == 0, res.output
            made.append(int(res.stdout.split()[1].rstrip(":")))
        listing = cli.invoke(raster_cli, ["list", "--sensor", "GF-2"])
        assert listing.exit_code == 0 and "2026-06-01" in listing.stdout
        out = tmp_path / "patches.csv"
        args = ["changes", str(made[0]), str(made[1]), "--export", str(out)]
        res = cli.invoke(raster_cli, args, obj=build_catalog())  # as landgis.cli gives it
        assert res.exit_code == 0, res.output
        assert "(ndvi, threshold 0.2): 2 patches" in res.stdout
        rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))
        assert sorted(r["verdict"] for r in rows) == ["approved", "suspected_illegal"]
    finally:
        with database.session() as session:
            for raster_id in made:
                service.delete(session, raster_id)
            assert session.execute(text("SELECT count(*) FROM raster")).scalar_one() == 0
            assert session.execute(text("SELECT count(*) FROM change_run")).scalar_one() == 0
