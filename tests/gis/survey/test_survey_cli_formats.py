"""The survey CLI and the remaining formats (GPX 1.0, KML, GeoPackage, DXF)."""

from __future__ import annotations

import re

import geopandas as gpd
import gpxpy.gpx
import shapely
import typer
from sqlalchemy import text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from gis.survey.accuracy import classify, tolerance_m
from landgis.survey_cli import app as survey_app
from tests.gis.survey.test_survey_api import SAMPLES, read, upload

app = typer.Typer()
app.add_typer(survey_app, name="survey")
SQUARE = shapely.Polygon([(113.75, 23.0), (113.7503, 23.0), (113.7503, 23.0002), (113.75, 23.0002)])


def test_cli_import_prints_summary_and_stores(engine) -> None:
    result = CliRunner().invoke(
        app,
        ["survey", "import", str(SAMPLES / "rtk_log.nmea"), "--surveyor", "张三"]
        + ["--instrument", "南方 S86"],
    )
    assert result.exit_code == 0, result.output
    match = re.search(r"survey (\d+): 5 points, 1 tracks, 1 rejected lines", result.output)
    assert match
    with Session(engine) as session:
        row = session.execute(
            text("SELECT surveyor, instrument, source_format FROM survey WHERE id = :i"),
            {"i": int(match.group(1))},
        ).one()
        assert tuple(row) == ("张三", "南方 S86", "nmea")
        session.execute(text("DELETE FROM survey WHERE id = :i"), {"i": int(match.group(1))})
        session.commit()


def test_cli_refuses_a_file_without_crs(engine, tmp_path) -> None:
    path = tmp_path / "pts.dxf"
    gpd.GeoDataFrame(geometry=[shapely.Point(475000, 2545000)]).to_file(path, driver="DXF")
    with Session(engine) as session:
        before = session.execute(text("SELECT count(*) FROM survey")).scalar_one()
    result = CliRunner().invoke(app, ["survey", "import", str(path), "--surveyor", "张三"])
    assert result.exit_code == 2
    assert "error (crs)" in result.output
    with Session(engine) as session:
        assert session.execute(text("SELECT count(*) FROM survey")).scalar_one() == before


def test_gpx_10_with_extensions(client, auth) -> None:
    doc = gpxpy.gpx.GPX()
    doc.version = "1.0"
    wpt = gpxpy.gpx.GPXWaypoint(23.0, 113.75, elevation=5.0, name="J1")
    wpt.type_of_gpx_fix = "dgps"
    wpt.satellites = 9
    doc.waypoints.append(wpt)
    xml = doc.to_xml(version="1.0").replace(
        "</wpt>", "<extensions><hdop_rtk xmlns='urn:x'>0.01</hdop_rtk></extensions></wpt>"
    )
    res = upload(client, auth, "a.gpx", xml.encode(), boundary_waypoints="true")
    assert res.status_code == 201, res.text
    body = res.json()
    assert body["summary"]["gpx_version"] == "1.0"
    report = read(client, auth, f"/api/v1/surveys/{body['id']}/report").json()
    (point,) = report["boundary_points"]
    assert point["fix_quality"] == 2 and point["satellites"] == 9 and point["elevation_m"] == 5.0
    assert point["accuracy_class"] is None  # GPX reports no precision


def test_kml_geopackage_and_dxf_surveys(client, auth, tmp_path) -> None:
    frame = gpd.GeoDataFrame({"Name": ["宗地甲"]}, geometry=[SQUARE], crs=4326)
    frame.to_file(tmp_path / "a.kml", driver="KML")
    points = gpd.GeoDataFrame(
        {"点号": ["J1", "J2", "J3"], "精度": [0.02, 0.06, 0.09]},
        geometry=[shapely.Point(475000, 2545000), shapely.Point(475020, 2545000),
                  shapely.Point(475020, 2545020)],
        crs=4547,
    )  # fmt: skip
    points.to_file(tmp_path / "b.gpkg")
    gpd.GeoDataFrame(geometry=[SQUARE.exterior]).to_file(tmp_path / "c.dxf", driver="DXF")
    kml = upload(client, auth, "a.kml", (tmp_path / "a.kml").read_bytes()).json()
    assert kml["summary"]["points_by_kind"] == {"boundary": 4}
    assert kml["summary"]["boundary_checks"]["ok"] is True
    gpkg = upload(client, auth, "b.gpkg", (tmp_path / "b.gpkg").read_bytes()).json()
    assert gpkg["source_crs"] == "EPSG:4547"
    assert gpkg["summary"]["accuracy_classes"] == {"1": 1, "2": 1, "3": 1}
    dxf = upload(client, auth, "c.dxf", (tmp_path / "c.dxf").read_bytes(), crs="EPSG:4490").json()
    assert dxf["source_format"] == "dxf" and dxf["summary"]["tracks"] == 1


def test_accuracy_rules() -> None:
    assert classify(0.05, 4) == (1, None)
    assert classify(0.05, 5)[0] == 2
    assert classify(0.05, 1)[0] == 2
    assert classify(0.05, None) == (1, None)
    assert classify(0.07, 4) == (2, None)
    assert classify(0.1, 4) == (3, None)
    assert classify(0.11, 4)[0] is None
    assert classify(None, 4)[0] is None
    assert "declared class 1 not met" in (classify(0.09, 4, declared=1)[1] or "")
    assert [tolerance_m(c) for c in (1, 2, 3, None)] == [0.10, 0.15, 0.20, 0.20]
