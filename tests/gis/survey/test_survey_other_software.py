"""Survey files written by GDAL's command-line ogr2ogr rather than by this project's own
libraries: GPX 1.1 with GDAL's <extensions>, KML, and DXF with no CRS."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.gis.survey.test_survey_api import read, survey_count, upload

POINTS = [(113.7500, 23.0000), (113.7503, 23.0000), (113.7503, 23.0002), (113.7500, 23.0002)]


def _points_geojson(tmp_path: Path) -> Path:
    src = tmp_path / "points.geojson"
    features = [
        {
            "type": "Feature",
            "properties": {"name": f"J{i + 1}", "ele": 5.0 + i, "desc": "界址点", "rtk": "fixed"},
            "geometry": {"type": "Point", "coordinates": list(p)},
        }
        for i, p in enumerate(POINTS)
    ]
    src.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return src


def _ogr2ogr(*args: str) -> None:
    subprocess.run(["ogr2ogr", *args], check=True, capture_output=True)


def test_gpx_written_by_ogr2ogr_with_extensions(client, auth, tmp_path) -> None:
    gpx = tmp_path / "pts.gpx"
    _ogr2ogr(
        "-f", "GPX", "-dsco", "GPX_USE_EXTENSIONS=YES", str(gpx), str(_points_geojson(tmp_path))
    )
    assert b"<extensions>" in gpx.read_bytes()  # GDAL's own namespace, to be tolerated
    res = upload(client, auth, "pts.gpx", gpx.read_bytes(), boundary_waypoints="true")
    assert res.status_code == 201, res.text
    body = res.json()
    assert body["source_format"] == "gpx" and body["summary"]["points"] == 4
    lon0, lat0, lon1, lat1 = body["summary"]["extent"]
    assert (lon0, lat0) == POINTS[0] and (lon1, lat1) == POINTS[2]
    report = read(client, auth, f"/api/v1/surveys/{body['id']}/report").json()
    assert [p["elevation_m"] for p in report["boundary_points"]] == [5.0, 6.0, 7.0, 8.0]


def test_kml_and_dxf_written_by_ogr2ogr(client, auth, db, tmp_path) -> None:
    src = _points_geojson(tmp_path)
    kml, dxf = tmp_path / "pts.kml", tmp_path / "pts.dxf"
    _ogr2ogr("-f", "KML", str(kml), str(src))
    _ogr2ogr("-f", "DXF", str(dxf), str(src))
    got = upload(client, auth, "pts.kml", kml.read_bytes()).json()
    assert got["source_format"] == "kml" and got["summary"]["points"] == 4
    before = survey_count(db)
    refused = upload(client, auth, "pts.dxf", dxf.read_bytes())  # DXF has no CRS
    assert refused.status_code == 422 and refused.json()["field"] == "crs"
    assert survey_count(db) == before
    got = upload(client, auth, "pts.dxf", dxf.read_bytes(), crs="EPSG:4490").json()
    assert got["source_format"] == "dxf" and got["summary"]["points"] == 4
