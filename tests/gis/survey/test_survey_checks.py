"""Where and when a survey was made, boundary problems by name and place, and accuracy
classes from dilutions of precision: each rule tried the way real files break it."""

from __future__ import annotations

import re

import pynmea2
import pytest
import shapely
from sqlalchemy import text

from gis.survey.accuracy import estimate_precision
from tests.gis.survey.test_survey_api import read, survey_count, upload
from tests.gis.survey.test_third_party_samples import THIRD_PARTY


def _parcel(db) -> tuple[str, shapely.Geometry]:
    code, wkb = db.execute(
        text(
            "SELECT unit_code, ST_AsBinary(geom) FROM parcel WHERE end_lifespan IS NULL "
            "ORDER BY id LIMIT 1"
        )
    ).one()
    return code, shapely.from_wkb(bytes(wkb))


def _lonlat_csv(points: list[tuple[float, float]], names: list[str] | None = None) -> bytes:
    names = names or [f"J{i}" for i in range(1, len(points) + 1)]
    rows = ["点号,经度,纬度,精度,解状态"]
    rows += [f"{n},{lon:.8f},{lat:.8f},0.03,4" for n, (lon, lat) in zip(names, points, strict=True)]
    return ("\n".join(rows) + "\n").encode()


def _gpx(points: list[tuple[float, float]]) -> bytes:
    wpts = "".join(
        f'<wpt lat="{lat}" lon="{lon}"><name>J{i}</name></wpt>'
        for i, (lon, lat) in enumerate(points, start=1)
    )
    return f'<?xml version="1.0"?><gpx version="1.1" creator="t">{wpts}</gpx>'.encode()


def test_a_dongguan_parcel_surveyed_in_slovenia_is_refused_unless_forced(client, auth, db):
    code, _ = _parcel(db)
    square = [(13.748, 46.434), (13.749, 46.434), (13.749, 46.435), (13.748, 46.435)]
    data = _gpx(square)
    res = upload(client, auth, "j.gpx", data, unit_code=code, boundary_waypoints="true")
    assert res.status_code == 422 and res.json()["field"] == "geometry"
    detail = res.json()["detail"]
    assert "4/4 个点位于辖区范围" in detail and "4 of 4 points lie outside" in detail
    km = float(re.search(r"is ([\d,.]+) km away", detail).group(1).replace(",", ""))
    assert 8_500 < km < 9_300 and "force=true" in detail
    assert survey_count(db) == 0
    forced = upload(
        client, auth, "j.gpx", data, unit_code=code, force="true", boundary_waypoints="true"
    )
    assert forced.status_code == 201, forced.text
    findings = forced.json()["summary"]["findings"]
    assert [f["code"] for f in findings] == ["outside_district", "far_from_parcel"]
    far = findings[1]
    assert 8_500_000 < far["distance_m"] < 9_300_000 and far["points"] == 4
    assert far["parcels_near"] == [] and code in far["en"] and code in far["zh"]
    report = read(client, auth, f"/api/v1/surveys/{forced.json()['id']}/report").json()
    assert report["findings"] == findings and report["inside_district"] is False


def test_points_away_from_the_parcel_are_a_finding_naming_the_parcels_they_lie_on(client, auth, db):
    code, geom = _parcel(db)
    c = geom.centroid
    shifted = [(c.x + 0.002 + dx, c.y + dy) for dx, dy in ((0, 0), (1e-4, 0), (1e-4, 1e-4))]
    body = upload(client, auth, "j.csv", _lonlat_csv(shifted), unit_code=code).json()
    (finding,) = body["summary"]["findings"]
    assert finding["code"] == "far_from_parcel" and finding["points"] == 3
    assert 150 < finding["distance_m"] < 400
    assert finding["parcels_near"] and code not in finding["parcels_near"]
    assert finding["parcels_near"][0] in finding["en"]
    assert any((finding["lon"], finding["lat"]) == pytest.approx(p, abs=1e-6) for p in shifted)
    near = upload(client, auth, "k.csv", _lonlat_csv([(c.x, c.y)] * 3), unit_code=code).json()
    assert near["summary"]["findings"] == []  # on the parcel: nothing to say


def test_an_unknown_unit_code_is_refused(client, auth, db) -> None:
    code, geom = _parcel(db)
    c = geom.centroid
    res = upload(client, auth, "j.csv", _lonlat_csv([(c.x, c.y)] * 3), unit_code=code[:-1] + "X")
    assert res.status_code == 422 and res.json()["field"] == "unit_code"
    assert "no current parcel has the unit code" in res.json()["detail"]
    assert survey_count(db) == 0


def test_closure_gap_and_self_intersection_are_named_in_lonlat(client, auth) -> None:
    """A bow-tie whose closing point, named J1 again, lies 1 km from J1: both problems named,
    in Chinese and English, at lon/lat; no projected EPSG:4547 coordinates, no GEOS text."""
    points = [(113.75, 23.02), (113.751, 23.021), (113.751, 23.02), (113.75, 23.021)]
    points.append((113.7597, 23.02))
    names = ["J1", "J2", "J3", "J4", "J1"]
    body = upload(client, auth, "gap.csv", _lonlat_csv(points, names)).json()
    checks = body["summary"]["boundary_checks"]
    assert checks["ok"] is False
    codes = [p["code"] for p in checks["problems"]]
    assert codes[0] == "closure_gap" and "self_intersection" in codes
    gap = checks["problems"][0]
    assert 980 < gap["gap_m"] < 1010 and (gap["lon"], gap["lat"]) == pytest.approx(points[-1])
    assert "界址线未闭合" in gap["zh"] and "does not close" in gap["en"]
    cross = next(p for p in checks["problems"] if p.get("edges") == ["J1–J2", "J3–J4"])
    assert (cross["lon"], cross["lat"]) == pytest.approx((113.7505, 23.0205), abs=1e-6)
    for p in checks["problems"]:
        assert not re.search(r"\d{5,}\.\d", p["en"] + p["zh"]), p  # no metre coordinates
        assert "Self-intersection[" not in p["en"]
    report = read(client, auth, f"/api/v1/surveys/{body['id']}/report").json()
    assert report["verdict"] == "boundary_invalid"
    assert report["verdict_en"] == "the boundary has problems: see the list"


def _nmea(quality: str, hdop: str, gst: bool = False) -> list[str]:
    lines = [
        str(pynmea2.RMC("GP", "RMC", ("020000.00", "A", "2301.20000", "N", "11345.00000", "E",
                                      "0.0", "0.0", "201126", "", ""))),
        str(pynmea2.GGA("GP", "GGA", ("020000.00", "2301.20000", "N", "11345.00000", "E", quality,
                                      "14", hdop, "10.0", "M", "-5.0", "M", "", ""))),
    ]  # fmt: skip
    if gst:
        lines.append(str(pynmea2.GST("GP", "GST", ("020000.00", "0.5", "0.02", "0.01", "30",
                                                   "0.03", "0.03", "0.05"))))  # fmt: skip
    return lines


def test_nmea_hdop_gives_a_class_and_says_so(client, auth) -> None:
    data = "\n".join(_nmea("4", "0.8") + _nmea("1", "0.9") + _nmea("4", "0.8", gst=True))
    body = upload(client, auth, "gga.nmea", data.encode()).json()
    assert body["summary"]["precision_sources"] == {"hdop": 2, "reported": 1}
    assert body["summary"]["uere_m"] == {"stated": None, "rtk_fixed": 0.02, "other": 3.0}
    rows = read(client, auth, f"/api/v1/surveys/{body['id']}/features").json()["features"]
    assert [f["properties"]["role"] for f in rows] == ["track"]
    points = _points(client, auth, body["id"])
    assert [p["precision_source"] for p in points] == ["hdop", "hdop", "reported"]
    assert [p["precision_m"] for p in points] == [0.016, 2.7, pytest.approx(0.0424, abs=1e-4)]
    assert [p["accuracy_class"] for p in points] == [1, None, 1]
    stated = upload(client, auth, "gga.nmea", data.encode(), uere_m="0.01").json()
    assert _points(client, auth, stated["id"])[1]["accuracy_class"] == 2  # 0.009 m, not RTK


def _points(client, auth, survey_id: int) -> list[dict]:
    """Every point of a survey, read back as boundary points (a waypoint survey)."""
    from gis.survey import repository

    session = client.app.dependency_overrides[next(iter(client.app.dependency_overrides))]()
    return [
        {k: (float(v) if hasattr(v, "as_tuple") else v) for k, v in p.items()}
        for p in repository.survey_points(session, survey_id)
    ]


def test_gpx_pdop_only_is_used_and_named(client, auth) -> None:
    gpx = (
        '<?xml version="1.0"?><gpx version="1.1" creator="x" '
        'xmlns="http://www.topografix.com/GPX/1/1"><wpt lat="23.02" lon="113.75">'
        "<pdop>1.5</pdop></wpt></gpx>"
    )
    body = upload(client, auth, "p.gpx", gpx.encode(), boundary_waypoints="true").json()
    report = read(client, auth, f"/api/v1/surveys/{body['id']}/report").json()
    (point,) = report["boundary_points"]
    assert point["precision_source"] == "pdop" and point["precision_m"] == 4.5
    assert point["precision_source_name"] == ["PDOP × UERE 估算", "estimated as PDOP × UERE"]
    assert point["accuracy_class"] is None and "exceeds class 3" in point["flag"]


def test_precision_rules() -> None:
    assert estimate_precision(0.03, 0.8, 1.5, 4, 3.0, 0.02) == (0.03, "reported")
    assert estimate_precision(None, 0.8, 1.5, 4, 3.0, 0.02) == (0.016, "hdop")
    assert estimate_precision(None, None, 1.5, 1, 3.0, 0.02) == (4.5, "pdop")
    assert estimate_precision(None, None, None, 4, 3.0, 0.02) == (None, None)


def test_times_with_and_without_zone_and_a_1901_clock(client, auth) -> None:
    mixed = (THIRD_PARTY / "gpxpy" / "gpx1.0_with_all_fields.gpx").read_bytes()
    body = upload(client, auth, "a.gpx", mixed, force="true").json()
    summary = body["summary"]
    assert summary["naive_times"] == 2
    assert summary["time_note"][0].startswith("2 个时间未注明时区")
    assert summary["time_span"] == ["2013-01-01T12:00:04+00:00", "2013-01-02T02:03:03+00:00"]
    assert body["survey_date"] == "2013-01-01" and summary["survey_date_source"] == "point_times"
    old = (THIRD_PARTY / "gpxpy" / "Mojstrovka.gpx").read_bytes()
    body = upload(client, auth, "m.gpx", old, force="true").json()
    assert body["survey_date"] == "2010-12-14"  # the metadata's <time>, not 1901
    assert body["summary"]["survey_date_source"] == "file_metadata"
    assert body["summary"]["implausible_times"] == 184 and body["summary"]["time_span"] is None
    given = upload(client, auth, "m.gpx", old, force="true", survey_date="2010-12-13").json()
    assert given["survey_date"] == "2010-12-13" and given["summary"]["survey_date_source"] == "form"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("broken.gpkg", b"SQLite format 3\x00" + b"\x00" * 200),
        ("broken.geojson", b'{"type": "FeatureCollection", "features": [{"type": '),
        ("broken.kml", b"<kml><Placemark><Point><coordinates>1,2"),
        ("broken.dxf", b"0\nSECTION\n2\nENTITIES\n0\nLINE\n10\nx\n"),
        ("noname", b"\x00\x01garbage"),
    ],
)
def test_error_details_name_no_server_folder(client, auth, name, data) -> None:
    res = upload(client, auth, name, data, crs="EPSG:4490")
    assert 400 <= res.status_code < 500, res.text
    assert res.headers["content-type"].startswith("application/problem+json")
    detail = res.json()["detail"]
    assert "/tmp" not in detail and "landgis-" not in detail and "/work" not in detail, detail


def test_nan_and_infinite_numbers_are_dropped_not_stored(client, auth) -> None:
    """gpxpy reads <ele>nan</ele> and <hdop>inf</hdop> as floats; a CSV may say nan: such
    values become null (a NaN in the report would make its JSON unwritable)."""
    gpx = (
        b'<?xml version="1.0"?><gpx version="1.1" creator="x"><wpt lat="23.02" lon="113.75">'
        b"<ele>nan</ele><hdop>inf</hdop></wpt></gpx>"
    )
    body = upload(client, auth, "n.gpx", gpx, boundary_waypoints="true").json()
    res = read(client, auth, f"/api/v1/surveys/{body['id']}/report")
    assert res.status_code == 200, res.text
    (point,) = res.json()["boundary_points"]
    assert point["elevation_m"] is None and point["hdop"] is None
    assert point["precision_source"] is None
    csv = "点号,经度,纬度,精度,高程\nJ1,113.75,23.02,nan,inf\n".encode()
    body = upload(client, auth, "n.csv", csv).json()
    res = read(client, auth, f"/api/v1/surveys/{body['id']}/report")
    assert res.status_code == 200 and res.json()["boundary_points"][0]["precision_m"] is None


def test_nmea_lines_without_checksum_are_named_as_such(client, auth) -> None:
    line = "$GPGGA,020000.00,2301.20000,N,11345.00000,E,4,14,0.8,12.3,M,-5.0,M,,"
    res = upload(client, auth, "x.nmea", (line + "\n").encode())
    assert (
        res.status_code == 422
        and "no GGA position with a fix (1 lines rejected)" in (res.json()["detail"])
    )
    good = "\n".join(_nmea("4", "0.8")) + "\n" + line
    body = upload(client, auth, "y.nmea", good.encode()).json()
    assert body["summary"]["bad_checksums"] == 0
    assert body["summary"]["rejected"][0]["reason"] == "no checksum (*hh): unverified line"
