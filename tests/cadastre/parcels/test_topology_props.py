"""Property: any straight line across a parcel splits it (in PostGIS) into parts that do
not overlap and cover the parent within the area tolerance."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.orm import Session

from cadastre.parcels import topology
from gis.errors import InvalidInput
from tests.cadastre.parcels.conftest import touching_pair

PARENT_SQL = """
SELECT encode(ST_AsEWKB(geom), 'hex') AS ewkb, ST_X(ST_Centroid(geom)) AS x,
       ST_Y(ST_Centroid(geom)) AS y FROM parcel WHERE unit_code = :c AND end_lifespan IS NULL
"""


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    angle=st.floats(0, math.pi, allow_nan=False),
    shift=st.floats(-0.3, 0.3, allow_nan=False),
    which=st.integers(0, 30),
)
def test_line_split_covers_parent(db: Session, angle: float, shift: float, which: int) -> None:
    code, _ = touching_pair(db, which)
    parent = db.execute(text(PARENT_SQL), {"c": code}).one()
    r = 0.01  # degrees, far beyond any demo parcel
    dx, dy = math.cos(angle), math.sin(angle)
    ox, oy = parent.x - dy * shift * 1e-4, parent.y + dx * shift * 1e-4
    line = {
        "type": "LineString",
        "coordinates": [[ox - dx * r, oy - dy * r], [ox + dx * r, oy + dy * r]],
    }
    try:
        parts = topology.split_by_line(db, parent.ewkb, line)
    except InvalidInput as exc:  # the line missed the parcel: refused, with the field named
        assert exc.field == "line"
        return
    assert len(parts) >= 2
    topology.check_covers_parent(db, parent.ewkb, parts)
    for part in parts:
        topology.check_valid(db, part)


def test_line_that_misses_is_refused(db: Session) -> None:
    code, _ = touching_pair(db, 0)
    parent = db.execute(text(PARENT_SQL), {"c": code}).one()
    far = {"type": "LineString", "coordinates": [[parent.x + 1, 0], [parent.x + 1, 1]]}
    with pytest.raises(InvalidInput) as err:
        topology.split_by_line(db, parent.ewkb, far)
    assert err.value.field == "line"
