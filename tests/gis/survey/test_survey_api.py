"""Survey uploads through the API: every format, accuracy classes, report, map, bad input."""

from __future__ import annotations

import io
import zipfile

import pytest
import shapely
from sqlalchemy import text

from gis.geo import AREA_SRID, STORAGE_SRID, reproject
from gis.settings import REPO_ROOT
from gis.store import get_store

SAMPLES = REPO_ROOT / "data" / "samples"


def upload(client, auth, name: str, data: bytes, **form: str):
    fields = {"surveyor": "王测量", "instrument": "中海达 V90", **form}
    return client.post(
        "/api/v1/surveys", files={"file": (name, data)}, data=fields, headers=auth("surveyor")
    )


def read(client, auth, path: str, role: str = "registrar", **params):
    """GET a survey read as a staff member (reads need a token)."""
    return client.get(path, params=params, headers=auth(role))


def survey_count(db) -> int:
    return db.execute(text("SELECT count(*) FROM survey")).scalar_one()


@pytest.mark.parametrize(
    ("sample", "fmt", "points", "srid"),
    [
        ("survey.gpx", "gpx", 14, 4326),
        ("rtk_log.nmea", "nmea", 5, 4326),
        ("boundary_points_4547.csv", "csv", 4, 4547),
        ("boundary_points_lonlat.csv", "csv", 4, 4490),
        ("boundary.geojson", "geojson", 4, 4490),
        ("boundary_points_shp.zip", "shp", 4, 4547),
    ],
)
def test_each_sample_format_is_read(client, auth, db, sample, fmt, points, srid) -> None:
    res = upload(client, auth, sample, (SAMPLES / sample).read_bytes())
    assert res.status_code == 201, res.text
    body = res.json()
    assert body["source_format"] == fmt
    assert body["summary"]["points"] == points
    assert body["source_crs"] == f"EPSG:{srid}"
    assert len(body["sha256"]) == 64
    lon0, lat0, lon1, lat1 = body["summary"]["extent"]
    assert 113.7 < lon0 <= lon1 < 113.8 and 22.9 < lat0 <= lat1 < 23.1
    key = db.execute(text("SELECT file_path FROM survey WHERE id=:i"), {"i": body["id"]})
    assert get_store().exists(key.scalar_one())  # the original, by its key in the store


def test_list_of_surveys(client, auth) -> None:
    for name in ("survey.gpx", "rtk_log.nmea"):
        upload(client, auth, name, (SAMPLES / name).read_bytes())
    page = read(client, auth, "/api/v1/surveys", limit=1).json()
    assert page["total"] == 2 and len(page["items"]) == 1
    assert page["items"][0]["source_format"] == "nmea"  # newest first
    assert page["items"][0]["summary"] == {"points": 5, "tracks": 1, "rejected_count": 1}
    res = read(client, auth, "/api/v1/surveys", limit=0)
    assert res.status_code == 422 and res.json()["field"] == "query.limit"


def test_nmea_fix_quality_bad_checksum_and_classes(client, auth) -> None:
    res = upload(client, auth, "log.nmea", (SAMPLES / "rtk_log.nmea").read_bytes())
    body = res.json()
    summary = body["summary"]
    assert summary["bad_checksums"] == 1
    assert summary["rejected"][0]["reason"] == "bad checksum"
    assert summary["time_span"][0].startswith("2026-11-20T02:00:00")
    report = read(client, auth, f"/api/v1/surveys/{body['id']}/report").json()
    assert report["survey"]["id"] == body["id"]
    rows = read(client, auth, f"/api/v1/surveys/{body['id']}").json()
    assert rows["summary"]["accuracy_classes"] == {"1": 4, "2": 1, "3": 0}


def test_csv_classes_and_flags(client, auth) -> None:
    data = "点号,经度,纬度,精度,解状态\nJ1,113.75,23.0,0.04,4\nJ2,113.7501,23.0,0.04,5\n"
    data += "J3,113.7501,23.0001,0.09,4\nJ4,113.75,23.0001,0.5,4\n"
    body = upload(client, auth, "pts.csv", data.encode()).json()
    report = read(client, auth, f"/api/v1/surveys/{body['id']}/report").json()
    classes = [p["accuracy_class"] for p in report["boundary_points"]]
    assert classes == [1, 2, 3, None]  # J2 is RTK float: never class 1; J4 meets no class
    assert "not RTK fixed" in report["boundary_points"][1]["flag"]
    assert report["boundary_points"][3]["flag"].startswith("precision 0.500 m exceeds")
    assert body["summary"]["flagged_points"] == 1


def _parcel_csv(db, offset_m: float) -> tuple[str, str]:
    code, wkb = db.execute(
        text(
            "SELECT unit_code, ST_AsBinary(geom) FROM parcel WHERE end_lifespan IS NULL "
            "ORDER BY id LIMIT 1"
        )
    ).one()
    poly = reproject(shapely.from_wkb(bytes(wkb)).geoms[0], STORAGE_SRID, AREA_SRID)
    lines = ["点号,X,Y,精度,解状态"]
    for i, (e, n) in enumerate(list(poly.exterior.coords)[:-1], start=1):
        lines.append(f"J{i},{n + offset_m:.3f},{e + offset_m:.3f},0.03,4")
    return code, "\n".join(lines) + "\n"


def test_boundary_survey_matches_registered_parcel(client, auth, db) -> None:
    code, data = _parcel_csv(db, 0.02)
    body = upload(client, auth, "j.csv", data.encode()).json()
    report = read(client, auth, f"/api/v1/surveys/{body['id']}/report").json()
    assert report["boundary_checks"]["ok"] is True
    assert report["registered_parcel"]["unit_code"] == code
    assert report["verdict"] == "consistent"
    assert all(p["within"] for p in report["comparison"]["points"])
    assert report["comparison"]["points"][0]["to_nearest_vertex_m"] == pytest.approx(
        0.028, abs=2e-3
    )


def test_boundary_survey_off_by_a_metre_needs_correction(client, auth, db) -> None:
    code, data = _parcel_csv(db, 1.0)
    body = upload(client, auth, "j.csv", data.encode(), unit_code=code).json()
    report = read(client, auth, f"/api/v1/surveys/{body['id']}/report").json()
    assert report["verdict"] == "correction_needed"
    assert report["comparison"]["points_outside_tolerance"] == report["boundary_checks"]["points"]
    page = client.get(f"/maps/surveys/{body['id']}")
    assert page.status_code == 200
    assert "/static/vendor/leaflet/leaflet.js" in page.text
    assert "cdn" not in page.text.lower()
    assert "王测量" not in page.text  # the page shell holds no survey data


def test_self_intersecting_boundary_is_reported(client, auth) -> None:
    data = "点号,经度,纬度,精度\n1,113.75,23.0,0.03\n2,113.751,23.001,0.03\n"
    data += "3,113.751,23.0,0.03\n4,113.75,23.001,0.03\n"
    body = upload(client, auth, "bow.csv", data.encode()).json()
    checks = body["summary"]["boundary_checks"]
    assert checks["ok"] is False
    (problem,) = checks["problems"]
    assert problem["code"] == "self_intersection" and problem["edges"] == ["1–2", "3–4"]
    assert (problem["lon"], problem["lat"]) == pytest.approx((113.7505, 23.0005), abs=1e-6)
    assert "界址线自相交" in problem["zh"] and "lon/lat 113.750500, 23.000500" in problem["en"]
    report = read(client, auth, f"/api/v1/surveys/{body['id']}/report").json()
    assert report["verdict"] == "boundary_invalid"


def test_survey_needs_surveyor_role(client, auth, db) -> None:
    res = client.post(
        "/api/v1/surveys",
        files={"file": ("a.gpx", (SAMPLES / "survey.gpx").read_bytes())},
        data={"surveyor": "x"},
        headers=auth("bidder"),
    )
    assert res.status_code == 403
    assert survey_count(db) == 0


def _bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.shp", b"\0" * (50 * 1024 * 1024))
    return buf.getvalue()


def _not_shapefile() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "hello")
    return buf.getvalue()


BAD = [
    ("bad.gpx", b"<gpx><wpt lat='23' lon='113'>", 422, "file", "not a readable GPX"),
    ("empty.gpx", b'<?xml version="1.0"?><gpx version="1.1" creator="x"></gpx>', 422, "file",
     "no waypoints"),
    ("bad.nmea", b"$GPGGA,020000.00,2300.2,N,11345.3,E,4,14,0.8,12.3,M,-5.0,M,1.0,0000*00\n",
     422, "file", "no GGA position"),
    ("missing.csv", "点号,精度\nJ1,0.03\n".encode(), 422, "file", "coordinate columns"),
    ("nozip.zip", _not_shapefile(), 415, "file", "no shapefile"),
    ("bomb.zip", _bomb(), 413, "file", "zip bomb"),
    ("empty.csv", b"", 422, "file", "empty"),
    ("far.csv", "点号,X,Y\nJ1,113.75,23.0\nJ2,113.76,23.0\n".encode(), 422, "geometry",
     "outside the range of EPSG:4547"),
    ("far.gpx", b'<?xml version="1.0"?><gpx version="1.1" creator="x"><wpt lat="123.0" '
     b'lon="23.0"/></gpx>', 422, "geometry", "outside the range of EPSG:4326"),
    ("nocrs.dxf", b"0\nSECTION\n2\nENTITIES\n0\nPOINT\n8\n0\n10\n1.0\n20\n2.0\n0\nENDSEC\n0\nEOF\n",
     422, "crs", "declares no coordinate reference system"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "data", "status", "field", "words"), BAD)
def test_bad_input_is_refused_and_nothing_stored(
    client, auth, db, name, data, status, field, words
):
    kept = REPO_ROOT / "data" / "files" / "surveys"  # others write elsewhere in data/files
    before = len(list(kept.rglob("*")))
    res = upload(client, auth, name, data)
    assert res.status_code == status, res.text
    assert res.headers["content-type"].startswith("application/problem+json")
    assert res.json()["field"] == field
    assert words in res.json()["detail"]
    assert survey_count(db) == 0
    assert len(list(kept.rglob("*"))) == before


def test_file_over_the_size_limit(client, auth, db, settings) -> None:
    from gis.settings import override_settings

    override_settings(settings.model_copy(update={"upload_max_bytes": 2048}))
    try:
        res = upload(client, auth, "big.csv", b"x" * 4096)
    finally:
        override_settings(settings)
    assert res.status_code == 413
    assert res.json()["field"] == "file"
    assert survey_count(db) == 0


def test_excel_csv_in_gbk_with_zone_prefixed_eastings(client, auth) -> None:
    """A table as Chinese Excel saves it: GBK text, X/Y with the zone number 38 (EPSG:4526)."""
    rows = ["界址点号,X坐标,Y坐标,点位中误差,界址点等级"]
    for i, (e, n) in enumerate([(0, 0), (30, 0), (30, 20), (0, 20)], start=1):
        rows.append(f"J{i},{2545000 + n:.3f},{38475000 + e:.3f},0.04,一级")
    data = "\r\n".join(rows).encode("gbk")
    res = upload(client, auth, "界址点.csv", data)
    assert res.status_code == 201, res.text
    body = res.json()
    assert body["source_crs"] == "EPSG:4526"
    assert body["summary"]["boundary_checks"]["area_m2"] == pytest.approx(600.0, abs=0.05)
    assert body["summary"]["accuracy_classes"]["1"] == 4


def test_multi_constellation_nmea(client, auth) -> None:
    import pynmea2

    lines = [
        str(pynmea2.RMC("GN", "RMC", ("020000.00", "A", "2300.00000", "N", "11345.00000", "E",
                                      "0.0", "0.0", "201126", "", ""))),
        str(pynmea2.GGA("GN", "GGA", ("020000.00", "2300.00000", "N", "11345.00000", "E", "4",
                                      "24", "0.6", "10.0", "M", "-5.0", "M", "1.0", "0000"))),
        str(pynmea2.GGA("GN", "GGA", ("020001.00", "", "", "", "", "0", "00", "", "", "M", "",
                                      "M", "", ""))),
        "garbage line",
    ]  # fmt: skip
    body = upload(client, auth, "gnss.txt", "\n".join(lines).encode()).json()
    assert body["summary"]["points"] == 1
    reasons = [r["reason"] for r in body["summary"]["rejected"]]
    assert "GGA without a position fix (quality 0)" in reasons
    assert any(r.startswith("not an NMEA sentence") for r in reasons)
    lon0, lat0, _, _ = body["summary"]["extent"]
    assert (lon0, lat0) == pytest.approx((113.75, 23.0))
