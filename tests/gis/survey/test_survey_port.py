"""The ParcelLookup port (issue 17): gis reads the register only through it, cadastre
implements it against its ORM columns, the composition root wires it."""

from __future__ import annotations

import re

import shapely
from sqlalchemy import text

from cadastre.survey_port import CadastreParcelLookup
from gis.settings import REPO_ROOT
from gis.survey.ports import ParcelLookup

CADASTRE_TABLES = r"(parcel|cadastral_zone|cadastral_subzone|street_block|party|rrr)"


def test_gis_has_no_sql_on_cadastre_tables_and_imports_no_cadastre() -> None:
    offenders = []
    for path in (REPO_ROOT / "gis").rglob("*.py"):
        source = path.read_text("utf-8")
        if re.search(rf"\b(FROM|JOIN|UPDATE|INTO)\s+{CADASTRE_TABLES}\b", source):
            offenders.append(str(path.relative_to(REPO_ROOT)))
        if re.search(r"^\s*(from|import)\s+(cadastre|trading)\b", source, re.M):
            offenders.append(str(path.relative_to(REPO_ROOT)))
    assert offenders == []


def test_cadastre_implements_the_port(db) -> None:
    lookup = CadastreParcelLookup()
    assert isinstance(lookup, ParcelLookup)
    code, wkb = db.execute(
        text("SELECT unit_code, ST_AsBinary(geom) FROM parcel WHERE end_lifespan IS NULL LIMIT 1")
    ).one()
    geom = shapely.from_wkb(bytes(wkb))
    parcel = lookup.parcel_by_unit_code(db, code)
    assert parcel is not None and parcel.unit_code == code
    assert parcel.geometry.equals_exact(geom, 1e-9)
    assert lookup.parcel_by_unit_code(db, "no such code") is None
    inside = geom.representative_point().buffer(1e-6)
    assert lookup.parcel_overlapping(db, inside).unit_code == code
    near = lookup.parcels_near(db, geom.representative_point(), 30.0, 5)
    assert near[0].unit_code == code and 1 < len(near) <= 5
    extent = lookup.district_extent(db)
    assert extent is not None
    assert extent.west <= geom.bounds[0] and geom.bounds[2] <= extent.east


def test_the_app_and_the_cli_are_wired(client) -> None:
    from landgis.survey_cli import LOOKUP

    assert isinstance(client.app.state.parcel_lookup, CadastreParcelLookup)
    assert isinstance(LOOKUP, CadastreParcelLookup)
