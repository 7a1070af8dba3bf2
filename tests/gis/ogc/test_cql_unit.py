"""The CQL2 translator alone: values always travel as bound parameters (property test)."""

from __future__ import annotations

import json
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from gis.collections import Collection
from gis.ogc import crs
from gis.ogc.cql import translate

PARCELS = Collection(
    id="p",
    title="p",
    description="p",
    table="parcel",
    properties={"land_use": "string", "area_m2": "number"},
)


@settings(max_examples=200, deadline=None)
@given(
    value=st.text(min_size=1, max_size=40), number=st.floats(allow_nan=False, allow_infinity=False)
)
def test_values_never_reach_the_sql_text(value: str, number: float) -> None:
    cql = {
        "op": "and",
        "args": [
            {"op": "=", "args": [{"property": "land_use"}, value]},
            {"op": ">", "args": [{"property": "area_m2"}, number]},
        ],
    }
    sql, params = translate(PARCELS, json.dumps(cql), "cql2-json", crs.parse(None))
    assert sql == '((t."land_use" = :f0) AND (t."area_m2" > :f1))'
    assert params == {"f0": value, "f1": number}


def test_flipped_filter_crs_for_spatial_literals() -> None:
    sql, params = translate(
        PARCELS, "S_INTERSECTS(geometry, POINT(23 113.7))", None, crs.parse("EPSG:4490")
    )
    assert "ST_FlipCoordinates" in sql and json.loads(params["f0"])["type"] == "Point"


def test_temporal_literals_are_bound_and_open_ends_dropped() -> None:
    events = Collection(
        id="e", title="e", description="e", table="t", properties={"opened": "date"}
    )
    sql, params = translate(
        events, "T_DURING(opened, INTERVAL('2026-01-01', '..'))", None, crs.parse(None)
    )
    assert sql == '(t."opened" IS NOT NULL AND t."opened" > :f0)'
    assert params == {"f0": date(2026, 1, 1)}
    sql, params = translate(
        events, "T_BEFORE(opened, INTERVAL('..', '2026-01-01'))", None, crs.parse(None)
    )
    assert sql == "FALSE" and params == {}  # nothing is before an interval open at its start
