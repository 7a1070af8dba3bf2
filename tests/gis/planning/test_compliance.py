"""Compliance rules against the demo plan edition in force (real PostGIS)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import wkb
from shapely.geometry import Polygon, box
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.errors import InvalidInput, NotFound
from gis.planning.compliance import check


def _site(db: Session, layer: str, code: str | None = None) -> Polygon:
    """A small square (EPSG:4490) well inside a zone of ``layer`` of the edition in force."""
    sql = """
    SELECT ST_AsBinary(ST_Transform(ST_Buffer(ST_Transform(
             ST_PointOnSurface(ST_Buffer(ST_Transform(z.geom, 4547), -60)), 4547), 20,
             'quad_segs=1'), 4490))
    FROM plan_zone z JOIN plan_edition e ON e.id = z.edition_id AND e.in_force
    WHERE z.layer = :layer AND (CAST(:code AS text) IS NULL OR z.code = :code)
      AND NOT ST_IsEmpty(ST_Buffer(ST_Transform(z.geom, 4547), -60))
    ORDER BY z.id LIMIT 1
    """
    raw = db.execute(text(sql), {"layer": layer, "code": code}).scalar_one()
    return wkb.loads(bytes(raw))


def test_residential_on_farmland_is_a_conflict(db: Session) -> None:
    result = check(db, _site(db, "farmland"), "07")
    assert result.verdict == "conflict"
    codes = {c.code for c in result.conflicts}
    assert {"FARMLAND", "OUTSIDE_BOUNDARY"} <= codes
    farmland = next(c for c in result.conflicts if c.code == "FARMLAND")
    assert farmland.area_m2 == pytest.approx(result.area_m2, rel=0.01)
    assert farmland.message_zh and farmland.message_en
    assert any(z.layer == "farmland" and z.share > 0.99 for z in result.zones)


def test_cropland_on_farmland_is_compliant(db: Session) -> None:
    result = check(db, _site(db, "farmland"), "0101")
    assert result.verdict == "compliant"
    assert result.conflicts == []


def test_residential_in_residential_zone_inside_boundary(db: Session) -> None:
    result = check(db, _site(db, "zoning", "07"), "0701")
    assert result.verdict == "compliant", result.conflicts
    assert result.warnings == []
    zoning = [z for z in result.zones if z.layer == "zoning"]
    assert zoning[0].code == "07" and zoning[0].code_en == "residential"
    assert sum(z.share for z in zoning) == pytest.approx(1.0, abs=0.01)


def test_industry_in_residential_zone_is_a_warning(db: Session) -> None:
    result = check(db, _site(db, "zoning", "07"), "06")
    assert result.verdict == "compliant"
    assert [w.code for w in result.warnings] == ["ZONING_DIFFERS"]


def test_construction_in_red_line(db: Session) -> None:
    site = _site(db, "zoning", "07")
    db.execute(
        text(
            "INSERT INTO plan_zone (edition_id, layer, code, name, geom) "
            "SELECT id, 'ecological_redline', '', 'test', ST_Multi(ST_GeomFromWKB(:g, 4490)) "
            "FROM plan_edition WHERE in_force"
        ),
        {"g": site.buffer(0.001).wkb},
    )
    result = check(db, site, "07")
    assert "REDLINE" in {c.code for c in result.conflicts}


def test_bad_class_and_geometry_are_refused(db: Session) -> None:
    site = _site(db, "farmland")
    with pytest.raises(InvalidInput) as err:
        check(db, site, "99")
    assert err.value.field == "proposed_land_use"
    with pytest.raises(InvalidInput) as err:
        check(db, Polygon([(0, 0), (1, 1), (1, 0), (0, 1)]), "07")
    assert err.value.field == "geometry"
    with pytest.raises(NotFound) as nf:
        check(db, site, "07", edition_id=999999)
    assert nf.value.field == "edition_id"


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    fx=st.floats(0.0, 1.0),
    fy=st.floats(0.0, 1.0),
    size_m=st.floats(5.0, 400.0),
    use=st.sampled_from(["0101", "03", "0601", "07", "0805", "1003", "11"]),
)
def test_result_is_consistent_anywhere(
    db: Session, fx: float, fy: float, size_m: float, use: str
) -> None:
    """For any square in the district: shares within [0, 1], verdict iff conflicts."""
    x0, y0, x1, y1 = db.execute(
        text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
            "FROM (SELECT ST_Extent(geom) e FROM plan_zone) s"
        )
    ).one()
    lon, lat = x0 + (x1 - x0) * fx, y0 + (y1 - y0) * fy
    d = size_m / 100_000
    result = check(db, box(lon, lat, lon + d, lat + d), use)
    assert result.area_m2 > 0
    assert (result.verdict == "conflict") == bool(result.conflicts)
    for layer in ("zoning", "farmland", "development_boundary"):
        share = sum(z.share for z in result.zones if z.layer == layer)
        assert -1e-6 <= share <= 1 + 1e-3
    assert all(c.area_m2 <= result.area_m2 + 0.01 for c in result.conflicts)
    if use[:2] not in ("05", "06", "07", "08", "09", "10"):
        assert {c.code for c in result.conflicts} <= {
            "ZONING_AGRICULTURAL"
        } and not result.conflicts
