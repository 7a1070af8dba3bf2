"""landgis planning ... commands against the test database (read-only ones, and refusals)."""

from __future__ import annotations

import json

from sqlalchemy import Engine, text
from typer.testing import CliRunner, Result

from gis.planning.cli import app as planning_app
from landgis.collections import build_catalog

runner = CliRunner()


def _run(args: list[str]) -> Result:
    """``landgis planning ...`` with the catalog in its context, as landgis.cli.main does."""
    return runner.invoke(planning_app, args, obj=build_catalog())


def test_editions_and_check(engine: Engine) -> None:
    listed = _run(["editions"])
    assert listed.exit_code == 0 and "*" in listed.output and "zoning" in listed.output
    with engine.connect() as conn:
        sql = "SELECT unit_code FROM parcel WHERE end_lifespan IS NULL ORDER BY unit_code LIMIT 1"
        unit_code = conn.execute(text(sql)).scalar_one()
    result = _run(["check", unit_code, "--use", "0701"])
    assert result.exit_code in (0, 1)
    body = json.loads(result.output)
    assert body["verdict"] == ("compliant" if result.exit_code == 0 else "conflict")
    assert body["proposed_en"] == "urban residential"


def test_cli_refusals_name_the_field(engine: Engine) -> None:
    with engine.connect() as conn:
        editions = conn.execute(text("SELECT count(*) FROM plan_edition")).scalar_one()
    bad_use = _run(["check", "441900001001GB00001W00000000", "--use", "99"])
    assert bad_use.exit_code == 2 and "proposed_land_use" in bad_use.output
    unsigned = _run(["activate", "987654"])
    assert unsigned.exit_code == 2 and "--as" in unsigned.output  # who and why are required
    stranger = _run(["activate", "987654", "--as", "nobody-here", "--reason", "r"])
    assert stranger.exit_code == 2 and "(as)" in stranger.output
    bad_date = _run(["new-edition", "x", "--approved-on", "someday"])
    assert bad_date.exit_code == 2 and "approved_on" in bad_date.output
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM plan_edition")).scalar_one() == editions
