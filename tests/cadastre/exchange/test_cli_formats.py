"""Every bulk format out and back in through the command line, as a user would run it.

The CLI commits, so each test frees one subzone for real (its parcels' current versions
closed), imports its own export back, and then restores the register exactly as it was.
"""

from __future__ import annotations

import pytest
import typer
from sqlalchemy import text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cadastre.exchange.cli import register

app = typer.Typer()
cadastre = typer.Typer()
register(cadastre)
app.add_typer(cadastre, name="cadastre")

FORMATS = [("gpkg", ".gpkg"), ("shp", ".zip"), ("geojson", ".geojson"), ("fgb", ".fgb"),
           ("csv", ".csv")]  # fmt: skip


def _subzone(engine) -> str:
    with Session(engine) as session:
        return str(
            session.execute(
                text(
                    "SELECT subzone_code FROM parcel WHERE end_lifespan IS NULL "
                    "GROUP BY subzone_code ORDER BY count(*), subzone_code LIMIT 1"
                )
            ).scalar_one()
        )


@pytest.mark.parametrize(("fmt", "suffix"), FORMATS)
def test_export_then_import_back_by_cli(engine, tmp_path, fmt, suffix) -> None:
    sub = _subzone(engine)
    out = tmp_path / f"zone{suffix}"
    done = CliRunner().invoke(app, ["cadastre", "export", str(out), "--format", fmt, "--zone", sub])
    assert done.exit_code == 0, done.output
    with Session(engine) as session:
        mark = session.execute(text("SELECT max(id) FROM parcel")).scalar_one()
        freed = (
            session.execute(
                text(
                    "UPDATE parcel SET end_lifespan = now() WHERE subzone_code = :s "
                    "AND end_lifespan IS NULL RETURNING id"
                ),
                {"s": sub},
            )
            .scalars()
            .all()
        )
        session.commit()
    try:
        assert f"exported {len(freed)} parcels" in done.output
        crs = ["--crs", "EPSG:4490"] if fmt == "csv" else []  # a CSV carries no CRS
        back = CliRunner().invoke(app, ["cadastre", "import", str(out), "--staged", *crs])
        assert back.exit_code == 0, back.output
        assert f"imported {len(freed)} of {len(freed)} parcels; 0 rejected" in back.output
        with Session(engine) as session:
            same = session.execute(
                text(
                    "SELECT count(*) FROM parcel n JOIN parcel o ON o.unit_code = n.unit_code "
                    "AND o.id = ANY(:old) WHERE n.id > :mark AND n.land_use = o.land_use "
                    "AND n.block_code IS NOT DISTINCT FROM o.block_code "
                    "AND abs(n.area_m2 - o.area_m2) <= 0.01 "
                    "AND ST_HausdorffDistance(n.geom, o.geom) < 1e-9"  # CSV: WKT with 15 digits
                ),
                {"old": freed, "mark": mark},
            ).scalar_one()
        assert same == len(freed)
    finally:
        with Session(engine) as session:
            session.execute(text("DELETE FROM parcel WHERE id > :m"), {"m": mark})
            session.execute(
                text("UPDATE parcel SET end_lifespan = NULL WHERE id = ANY(:ids)"), {"ids": freed}
            )
            session.commit()
