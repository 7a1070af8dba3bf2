"""Bulk parcel import and export through the API, with validation and rejected rows."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from sqlalchemy import text

from tests.cadastre.exchange.conftest import current_count, retire


def post_import(client, auth, path: Path, **form: str):
    return client.post(
        "/api/v1/cadastre/imports",
        files={"file": (path.name, path.read_bytes())},
        data=form,
        headers=auth("registrar"),
    )


def test_round_trip_of_a_subzone(inline_client, auth, db, subzone, exported) -> None:
    n = retire(db, subzone)
    before = current_count(db)
    job = post_import(inline_client, auth, exported).json()
    assert job["status"] == "done", job
    assert job["result"]["imported"] == n and job["result"]["rejected"] == 0
    assert current_count(db) == before + n
    status = inline_client.get(
        f"/api/v1/cadastre/imports/{job['id']}", headers=auth("registrar")
    ).json()
    assert status["progress"]["done"] == n
    assert "checking overlaps within the file" in status["progress"]["stage"]  # the last stage


def test_register_overlaps_and_codes_refuse_everything(inline_client, auth, db, exported) -> None:
    before = current_count(db)
    res = post_import(inline_client, auth, exported)
    job = res.json()
    assert job["status"] == "failed"
    assert job["error"]["field"] == "file"
    assert "nothing imported" in job["error"]["detail"]
    assert current_count(db) == before
    rejected = inline_client.get(
        f"/api/v1/cadastre/imports/{job['id']}/rejected", headers=auth("registrar")
    ).text
    assert "already registered" in rejected and "overlaps registered parcel" in rejected


def _bad_rows_file(exported: Path, tmp_path: Path) -> tuple[Path, int]:
    frame = pyogrio.read_dataframe(exported)
    good = len(frame) - 3
    frame.loc[0, "geometry"] = shapely.MultiPolygon(
        [shapely.Polygon([(113.70, 23.0), (113.71, 23.01), (113.71, 23.0), (113.70, 23.01)])]
    )
    frame.loc[1, "unit_code"] = "44190000100XGB00011W00000000"
    frame.loc[2, "unit_code"] = frame.loc[3, "unit_code"]
    dest = tmp_path / "bad.gpkg"
    frame.to_file(dest)
    return dest, good


def test_bad_rows_all_or_nothing_then_valid_only(
    inline_client, auth, db, subzone, exported, tmp_path
):
    retire(db, subzone)
    bad, good = _bad_rows_file(exported, tmp_path)
    before = current_count(db)
    job = post_import(inline_client, auth, bad).json()
    assert job["status"] == "failed" and job["error"]["rejected"] == 3
    assert current_count(db) == before
    rows = inline_client.get(
        f"/api/v1/cadastre/imports/{job['id']}/rejected", headers=auth("registrar")
    ).text
    assert "invalid geometry: Self-intersection" in rows
    assert "malformed unit code" in rows
    assert "duplicate unit code" in rows
    job = post_import(inline_client, auth, bad, valid_only="true").json()
    assert job["status"] == "done" and job["result"]["imported"] == good
    assert current_count(db) == before + good


def test_csv_without_crs_is_refused(inline_client, auth, db, tmp_path) -> None:
    path = tmp_path / "p.csv"
    path.write_text('WKT,unit_code,land_use\n"POLYGON((0 0,1 0,1 1,0 0))",x,07\n')
    job = post_import(inline_client, auth, path).json()
    assert job["status"] == "failed" and job["error"]["field"] == "crs"


def test_import_needs_registrar(inline_client, auth, exported) -> None:
    res = inline_client.post(
        "/api/v1/cadastre/imports",
        files={"file": ("a.gpkg", exported.read_bytes())},
        headers=auth("surveyor"),
    )
    assert res.status_code == 403


@pytest.mark.parametrize("fmt", ["gpkg", "shp", "geojson", "fgb", "csv", "dxf"])
def test_export_formats_keep_chinese_text(inline_client, auth, subzone, fmt, tmp_path) -> None:
    job = inline_client.post(
        "/api/v1/cadastre/exports",
        json={"format": fmt, "crs": "EPSG:4547", "zone": subzone},
        headers=auth("registrar"),
    ).json()
    assert job["status"] == "done", job
    data = inline_client.get(
        f"/api/v1/cadastre/exports/{job['id']}/file", headers=auth("registrar")
    ).content
    path = tmp_path / f"out.{fmt}"
    if fmt == "shp":
        zipfile.ZipFile(io.BytesIO(data)).extractall(tmp_path)
        assert (tmp_path / "parcel.cpg").read_text() == "UTF-8"
        path = tmp_path / "parcel.shp"
    else:
        path.write_bytes(data)
    kwargs = {"GEOM_POSSIBLE_NAMES": "WKT", "KEEP_GEOM_COLUMNS": "NO"} if fmt == "csv" else {}
    frame = gpd.read_file(path, engine="pyogrio", **kwargs)
    assert len(frame) == job["result"]["features"] > 0
    if fmt == "dxf":
        assert frame["Layer"].str.startswith(subzone).all()
    else:
        assert frame["use_zh"].str.contains("地").any()
        assert frame["unit_code"].str.startswith(subzone).all()
    assert 300_000 < frame.geometry.total_bounds[0] < 700_000  # eastings of EPSG:4547


def test_export_refuses_unknown_format(inline_client, auth) -> None:
    res = inline_client.post(
        "/api/v1/cadastre/exports", json={"format": "xls"}, headers=auth("registrar")
    )
    assert res.status_code == 415 and res.json()["field"] == "format"


@pytest.mark.parametrize("fmt", ["gpkg", "shp"])
def test_export_of_another_layer(inline_client, auth, db, fmt, tmp_path) -> None:
    zones = db.execute(
        text(
            "SELECT count(*) FROM plan_zone WHERE layer = 'zoning' AND edition_id = "
            "(SELECT id FROM plan_edition WHERE in_force)"
        )
    ).scalar_one()
    job = inline_client.post(
        "/api/v1/cadastre/exports",
        json={"format": fmt, "layer": "plan_zoning"},
        headers=auth("planner"),
    ).json()
    assert job["status"] == "done", job
    assert job["result"]["features"] == zones > 0
    data = inline_client.get(
        f"/api/v1/cadastre/exports/{job['id']}/file", headers=auth("planner")
    ).content
    path = tmp_path / ("z.zip" if fmt == "shp" else "z.gpkg")
    path.write_bytes(data)
    frame = gpd.read_file(f"zip://{path}" if fmt == "shp" else path)
    assert len(frame) == zones and frame["name"].str.len().min() > 0


def test_export_of_an_unknown_layer(inline_client, auth) -> None:
    res = inline_client.post(
        "/api/v1/cadastre/exports",
        json={"format": "gpkg", "layer": "nope"},
        headers=auth("planner"),
    )
    assert res.status_code == 404 and res.json()["field"] == "collectionId"


@pytest.mark.parametrize(("fmt", "crs"), [("csv", "EPSG:4547"), ("fgb", None), ("geojson", None)])
def test_round_trip_through_other_formats(inline_client, auth, db, subzone, tmp_path, fmt, crs):
    from cadastre.exchange.exporter import export_parcels

    path = tmp_path / f"sub.{fmt}"
    n = export_parcels(db, fmt, path, srid=4547 if fmt == "csv" else 4490, zone=subzone)
    for sidecar in tmp_path.glob("sub.*"):
        if sidecar != path:
            sidecar.unlink()  # a CSV travels alone: its .prj/.csvt stay behind
    retire(db, subzone)
    before = current_count(db)
    if crs:
        job = post_import(inline_client, auth, path).json()
        assert job["status"] == "failed" and job["error"]["field"] == "crs"
        assert current_count(db) == before
    job = post_import(inline_client, auth, path, **({"crs": crs} if crs else {})).json()
    assert job["status"] == "done", job
    assert job["result"]["imported"] == n
    assert current_count(db) == before + n


def test_overlaps_within_the_file(inline_client, auth, db, subzone, exported, tmp_path) -> None:
    """Two rows of one file whose interiors overlap are both refused; neighbours are not."""
    retire(db, subzone)
    frame = pyogrio.read_dataframe(exported)
    frame.loc[1, "geometry"] = shapely.MultiPolygon(
        [shapely.affinity.translate(frame.geometry[0].geoms[0], 1e-5, 1e-5)]
    )
    dest = tmp_path / "overlapping.gpkg"
    frame.to_file(dest)
    before = current_count(db)
    job = post_import(inline_client, auth, dest).json()
    assert job["status"] == "failed" and job["error"]["rejected"] >= 2
    assert current_count(db) == before
    rows = inline_client.get(
        f"/api/v1/cadastre/imports/{job['id']}/rejected", headers=auth("registrar")
    ).text
    assert f"overlaps row 1 ({frame.unit_code[0]}) of the file" in rows
    assert f"overlaps row 2 ({frame.unit_code[1]}) of the file" in rows
    job = post_import(inline_client, auth, dest, valid_only="true").json()
    assert job["status"] == "done"
    assert job["result"]["imported"] == len(frame) - job["result"]["rejected"]
