"""The demo district: deterministic, parcels tile their blocks, codes are valid."""

from __future__ import annotations

import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from cadastre.unit_code import parse_unit_code
from gis.bulk import polygons_from_rings
from gis.demo import DemoDistrict
from gis.landuse import is_valid


def test_same_seed_same_district() -> None:
    a = [p.ring.tolist() for _, ps in DemoDistrict(300, 5).blocks() for p in ps]
    b = [p.ring.tolist() for _, ps in DemoDistrict(300, 5).blocks() for p in ps]
    c = [p.ring.tolist() for _, ps in DemoDistrict(300, 6).blocks() for p in ps]
    assert a == b
    assert a != c


def test_exact_parcel_count_and_tiling() -> None:
    district = DemoDistrict(1234, 3)
    count = 0
    for block, parcels in district.blocks():
        polys = polygons_from_rings([p.ring for p in parcels])
        count += len(parcels)
        assert all(shapely.is_valid(polys))
        union = shapely.union_all(polys)
        assert abs(union.area - block.polygon.area) < 1e-3  # no gaps
        assert abs(shapely.area(polys).sum() - block.polygon.area) < 1e-3  # no overlaps
    assert count == 1234


def test_loaded_register(db: Session) -> None:
    row = db.execute(
        text(
            "SELECT count(*), bool_and(ST_IsValid(geom)), min(ST_NPoints(geom)), "
            "count(DISTINCT unit_code), bool_and(ST_SRID(geom) = 4490) FROM parcel"
        )
    ).one()
    assert row[0] == 600 and row[1] and row[2] >= 5 and row[3] == 600 and row[4]
    for code, land_use in db.execute(text("SELECT unit_code, land_use FROM parcel")):
        parse_unit_code(code)
        assert is_valid(land_use)


def test_no_overlaps_in_database(db: Session) -> None:
    overlaps = db.execute(
        text(
            "SELECT count(*) FROM parcel a JOIN parcel b ON a.id < b.id AND a.geom && b.geom "
            "AND ST_Area(ST_Intersection(a.geom, b.geom)::geography) > 0.01"
        )
    ).scalar_one()
    assert overlaps == 0


def test_stored_area_is_gauss_kruger_area(db: Session) -> None:
    worst = db.execute(
        text("SELECT max(abs(area_m2 - ST_Area(ST_Transform(geom, 4547)))) FROM parcel")
    ).scalar_one()
    assert worst < 0.01


def test_plan_layers_present(db: Session) -> None:
    layers = dict(db.execute(text("SELECT layer, count(*) FROM plan_zone GROUP BY layer")).all())
    assert set(layers) >= {"zoning", "development_boundary"}
    assert db.execute(text("SELECT count(*) FROM road")).scalar_one() > 4


def test_zone_codes_keep_three_digits_at_five_million_parcels() -> None:
    """20 x 20-block zones would number 1,600 at 5 million parcels: zones grow instead."""
    district = DemoDistrict(5_000_000, 1)
    zones = {z.code for z in district.zones()}
    subzones = district.subzones()
    assert 1 < len(zones) <= 999 and {len(z) for z in zones} == {9}
    assert {len(s.code) for s in subzones} == {12}
    assert {s.parent for s in subzones} == zones
    assert all(s.code[:9] == s.parent for s in subzones)
    assert len({s.code for s in subzones}) == len(subzones)
