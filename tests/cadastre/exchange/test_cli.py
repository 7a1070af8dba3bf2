"""landgis cadastre import / export from the command line (committed data is cleaned up)."""

from __future__ import annotations

import csv
import json

import geopandas as gpd
import pyogrio
import pytest
import shapely
import typer
from sqlalchemy import text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cadastre.exchange.cli import register

app = typer.Typer()
cadastre = typer.Typer()
register(cadastre)
app.add_typer(cadastre, name="cadastre")


def _count(engine) -> int:
    with Session(engine) as session:
        return session.execute(
            text("SELECT count(*) FROM parcel WHERE end_lifespan IS NULL")
        ).scalar_one()


def test_cli_export_then_refused_reimport(engine, tmp_path) -> None:
    out = tmp_path / "all.zip"
    result = CliRunner().invoke(app, ["cadastre", "export", str(out), "--format", "shp"])
    assert result.exit_code == 0, result.output
    assert f"exported {_count(engine)} parcels" in result.output
    before = _count(engine)
    rejected = tmp_path / "rej.csv"
    result = CliRunner().invoke(app, ["cadastre", "import", str(out), "--rejected", str(rejected)])
    assert result.exit_code == 2
    assert "refused (file)" in result.output and "nothing imported" in result.output
    rows = list(csv.DictReader(rejected.open(encoding="utf-8-sig")))
    assert len({r["row"] for r in rows}) == before
    assert any("already registered" in r["reason"] for r in rows)
    assert _count(engine) == before


def _new_parcels_file(engine, tmp_path):
    with Session(engine) as session:
        sub = session.execute(text("SELECT code FROM cadastral_subzone ORDER BY code")).scalar()
    squares = [
        shapely.box(113.0 + i * 0.001, 22.5, 113.0005 + i * 0.001, 22.5005) for i in range(3)
    ]
    frame = gpd.GeoDataFrame(
        {"BDCDYH": [f"{sub}GB{99990 + i}W00000000" for i in range(3)] + ["bad"],
         "DLBM": ["0701", "0501", "9999", "0701"]},
        geometry=[*squares, squares[0].buffer(1)],
        crs=4490,
    ).to_crs(4547)  # fmt: skip
    path = tmp_path / "new.geojson"
    pyogrio.write_dataframe(frame, path)
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"unit_code": "BDCDYH", "land_use": "DLBM"}))
    return path, mapping, sub


def _indexes(engine) -> list[str]:
    with Session(engine) as session:
        return sorted(
            session.execute(
                text("SELECT indexdef FROM pg_indexes WHERE tablename = 'parcel'")
            ).scalars()
        )


@pytest.mark.parametrize("way", ["--staged", "--bulk"])
def test_cli_valid_only_import_with_mapping(engine, tmp_path, way) -> None:
    """Committed both ways; a bulk load leaves the same indexes behind."""
    path, mapping, sub = _new_parcels_file(engine, tmp_path)
    before, indexes = _count(engine), _indexes(engine)
    rejected = tmp_path / "rej.csv"
    result = CliRunner().invoke(
        app,
        ["cadastre", "import", str(path), "--mapping", str(mapping), "--valid-only",
         "--rejected", str(rejected), way],
    )  # fmt: skip
    try:
        assert result.exit_code == 0, result.output
        assert "imported 2 of 4 parcels; 2 rejected" in result.output
        reasons = {
            r["row"]: r["reason"] for r in csv.DictReader(rejected.open(encoding="utf-8-sig"))
        }
        assert "unknown land-use class '9999'" in reasons["3"]
        assert "unit code has 28 characters" in reasons["4"]
        assert _count(engine) == before + 2
        assert _indexes(engine) == indexes
        with Session(engine) as session:
            area = session.execute(
                text("SELECT area_m2 FROM parcel WHERE unit_code = :c"),
                {"c": f"{sub}GB99990W00000000"},
            ).scalar_one()
        assert 2_800 < float(area) < 2_900  # 51.4 m x 55.3 m near 22.5 N
    finally:
        with Session(engine) as session:
            session.execute(
                text("DELETE FROM parcel WHERE unit_code LIKE :p"), {"p": f"{sub}GB9999%"}
            )
            session.commit()
    assert _count(engine) == before
