"""``landgis field checkout`` and ``landgis field sync`` as a surveyor would run them:
the package lands on disk, opens with ogrinfo, is edited with OGR and checked in."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cadastre.field.cli import app
from gis.auth.service import add_user
from tests.cadastre.field.qfield import edit

USER = "cli-surveyor"


def _cleanup(engine: Engine) -> None:
    with Session(engine) as session:
        ids = "(SELECT id FROM field_package WHERE owner = :u)"
        for table in ("field_change", "field_conflict", "field_observation", "field_sync"):
            session.execute(text(f"DELETE FROM {table} WHERE package_id IN {ids}"), {"u": USER})
        session.execute(text("DELETE FROM field_package WHERE owner = :u"), {"u": USER})
        session.execute(text("DELETE FROM job WHERE owner = :u"), {"u": USER})
        session.execute(text("DELETE FROM app_user WHERE username = :u"), {"u": USER})
        session.commit()


def test_checkout_and_sync_from_the_command_line(engine: Engine, tmp_path: Path) -> None:
    runner = CliRunner()
    with Session(engine) as session:
        add_user(session, USER, "correct horse battery", "surveyor")
        codes = list(session.execute(text(
            "SELECT unit_code FROM parcel WHERE end_lifespan IS NULL ORDER BY unit_code LIMIT 2"
        )).scalars())  # fmt: skip
    try:
        area = tmp_path / "area.geojson"
        with Session(engine) as session:
            geom = session.execute(text(
                "SELECT ST_AsGeoJSON(ST_Buffer(ST_Union(geom), 0.00001)) FROM parcel "
                "WHERE unit_code = ANY(:c) AND end_lifespan IS NULL"), {"c": codes}
            ).scalar_one()  # fmt: skip
        area.write_text(json.dumps({"type": "Feature", "properties": {},
                                    "geometry": json.loads(geom)}))  # fmt: skip
        refused = runner.invoke(app, ["checkout", "--area", str(area), "--out", str(tmp_path),
                                      "--as", "nobody"])  # fmt: skip
        assert refused.exit_code == 2 and "nobody" in refused.output
        done = runner.invoke(app, ["checkout", "--area", str(area), "--out",
                                   str(tmp_path / "phone"), "--as", USER])  # fmt: skip
        assert done.exit_code == 0, done.output
        qgs = Path(done.output.split("open in QField: ")[1].strip())
        gpkg = qgs.with_suffix(".gpkg")
        package_id = done.output.split()[1].rstrip(":")
        info = subprocess.run(["ogrinfo", "-ro", "-so", str(gpkg), "parcels"],
                              capture_output=True, text=True)  # fmt: skip
        assert info.returncode == 0 and "Feature Count:" in info.stdout
        c = json.loads(geom)["coordinates"][0][0]
        edit(gpkg, [
            {"op": "delete", "layer": "parcels", "where": f"unit_code = '{codes[0]}'"},
            {"op": "add", "layer": "observations", "wkt": f"POINT ({c[0]} {c[1]})",
             "values": {"note": "界桩缺失 boundary marker missing"}},
        ])  # fmt: skip
        first = runner.invoke(app, ["sync", package_id, str(gpkg), "--as", USER,
                                    "-o", str(tmp_path / "report.json")])  # fmt: skip
        assert first.exit_code == 0, first.output
        assert "已应用 1 项" in first.output and "1 refused" in first.output
        assert f"refused: parcels {codes[0]}" in first.output
        report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
        assert report["applied"][0]["layer"] == "observations"
        again = runner.invoke(app, ["sync", package_id, str(gpkg), "--as", USER])
        assert again.exit_code == 0 and "0 applied, 0 conflicts kept, 0 refused" in again.output
    finally:
        _cleanup(engine)
