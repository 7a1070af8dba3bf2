"""Every GPX and NMEA sample file shipped by gpxpy 1.6.2 and pynmea2 (tests/data/third_party)
is imported or refused with a clear message through the API and the CLI; none crashes.

None of them lies in the demo district (they are in Slovenia, Croatia, London, Botswana...),
so without ``force`` each one with points is refused as outside the district; with it,
each is imported, except the four that hold no usable position.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from sqlalchemy import text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from gis.settings import REPO_ROOT
from landgis.survey_cli import app as survey_app
from tests.conftest import subprocess_env
from tests.gis.survey.test_survey_api import read, survey_count, upload

THIRD_PARTY = REPO_ROOT / "tests" / "data" / "third_party"
NOT_SAMPLES = {"LICENSE", "LICENSE.txt", "NOTICE.txt", "README.md"}
SAMPLES = sorted(p for p in THIRD_PARTY.rglob("*") if p.is_file() and p.name not in NOT_SAMPLES)
REFUSED = {  # file -> words of the one-line reason (everything else imports with force)
    "custom_schema_locations.gpx": "holds no waypoints, route points or track points",
    "default_schema_locations.gpx": "holds no waypoints, route points or track points",
    "unicode2.gpx": "holds no waypoints, route points or track points",
    "nmea_file": "holds no GGA position with a fix",
}
CLI = typer.Typer()
CLI.add_typer(survey_app, name="survey")


def test_the_samples_are_all_there() -> None:
    gpx = [p for p in SAMPLES if p.suffix == ".gpx"]
    assert len(gpx) == 30 and {p.name for p in SAMPLES} - {p.name for p in gpx} == {
        "data.log",
        "nmea_file",
    }
    for folder in ("gpxpy", "pynmea2"):
        assert any((THIRD_PARTY / folder).glob("LICENSE*"))


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_sample_through_the_api(client, auth, db, sample: Path) -> None:
    data = sample.read_bytes()
    first = upload(client, auth, sample.name, data)
    assert first.status_code == 422, first.text
    assert first.headers["content-type"].startswith("application/problem+json")
    forced = upload(client, auth, sample.name, data, force="true")
    if sample.name in REFUSED:
        for res in (first, forced):
            assert res.status_code == 422 and res.json()["field"] == "file"
            assert REFUSED[sample.name] in res.json()["detail"]
        assert survey_count(db) == 0
        return
    assert "outside the district's extent" in first.json()["detail"]
    assert first.json()["field"] == "geometry" and "force=true" in first.json()["detail"]
    assert forced.status_code == 201, forced.text
    body = forced.json()
    assert body["summary"]["points"] >= 1
    assert [f["code"] for f in body["summary"]["findings"]] == ["outside_district"]
    report = read(client, auth, f"/api/v1/surveys/{body['id']}/report")
    assert report.status_code == 200 and report.json()["inside_district"] is False
    features = read(client, auth, f"/api/v1/surveys/{body['id']}/features").json()
    assert features["features"] and len(features["bbox"]) == 4


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_sample_through_the_cli(engine, sample: Path) -> None:
    args = ["survey", "import", str(sample), "--surveyor", "张三"]
    refused = CliRunner().invoke(CLI, args)
    assert refused.exit_code == 2, refused.output
    assert not isinstance(refused.exception, Exception), refused.exception  # exits, no crash
    assert len(refused.output.strip().splitlines()) == 1, refused.output
    assert refused.output.startswith("error (")
    result = CliRunner().invoke(CLI, [*args, "--force"])
    assert not isinstance(result.exception, Exception), result.exception
    if sample.name in REFUSED:
        assert result.exit_code == 2, result.output
        assert result.output.startswith("error (file): ") and REFUSED[sample.name] in result.output
        assert len(result.output.strip().splitlines()) == 1
        return
    assert result.exit_code == 0, result.output
    match = re.match(r"survey (\d+): (\d+) points", result.output)
    assert match, result.output
    assert "outside the district's extent" in result.output  # the finding, forced
    with Session(engine) as session:
        session.execute(text("DELETE FROM survey WHERE id = :i"), {"i": int(match.group(1))})
        session.commit()


def test_the_real_cli_refuses_in_one_line_and_imports_when_forced(settings, engine) -> None:
    """`landgis survey import` in a subprocess, on a file that used to give a traceback."""
    sample = THIRD_PARTY / "gpxpy" / "gpx1.0_with_all_fields.gpx"
    command = [sys.executable, "-m", "landgis", "survey", "import", str(sample)]
    env = subprocess_env(settings)
    run = subprocess.run(
        [*command, "--surveyor", "张三"], env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 2 and "Traceback" not in run.stderr, run.stderr
    assert run.stderr.strip().count("\n") == 0 and "force" in run.stderr
    run = subprocess.run(
        [*command, "--surveyor", "张三", "--force"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    match = re.match(r"survey (\d+): 8 points", run.stdout)
    assert match, run.stdout
    with Session(engine) as session:
        summary = session.execute(
            text("SELECT summary FROM survey WHERE id = :i"), {"i": int(match.group(1))}
        ).scalar_one()
        session.execute(text("DELETE FROM survey WHERE id = :i"), {"i": int(match.group(1))})
        session.commit()
    assert summary["naive_times"] == 2
    assert "taken as UTC" in summary["time_note"][1]
