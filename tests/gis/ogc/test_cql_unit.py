"""The CQL2 translator alone: values always travel as bound parameters (property test)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
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


def _sql(*args: Any) -> tuple[str, dict[str, Any]]:
    found = translate(*args)
    return found.sql, found.params


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
    sql, params = _sql(PARCELS, json.dumps(cql), "cql2-json", crs.parse(None))
    assert sql == '((t."land_use" = :f0) AND (t."area_m2" > :f1))'
    assert params == {"f0": value, "f1": number}


def test_flipped_filter_crs_for_spatial_literals() -> None:
    sql, params = _sql(
        PARCELS, "S_INTERSECTS(geometry, POINT(23 113.7))", None, crs.parse("EPSG:4490")
    )
    assert "ST_FlipCoordinates" in sql and json.loads(params["f0"])["type"] == "Point"


def test_temporal_literals_are_bound_and_open_ends_dropped() -> None:
    events = Collection(
        id="e", title="e", description="e", table="t", properties={"opened": "date"}
    )
    sql, params = _sql(
        events, "T_DURING(opened, INTERVAL('2026-01-01', '..'))", None, crs.parse(None)
    )
    assert sql == '(t."opened" IS NOT NULL AND t."opened" > :f0)'
    assert params == {"f0": date(2026, 1, 1)}
    sql, params = _sql(
        events, "T_BEFORE(opened, INTERVAL('..', '2026-01-01'))", None, crs.parse(None)
    )
    assert sql == "FALSE" and params == {}  # nothing is before an interval open at its start


@pytest.mark.parametrize(
    ("text", "envelopes"),
    [
        ("S_INTERSECTS(geometry, POINT(113.7 23))", 1),
        ("S_WITHIN(geometry, POLYGON((113 23, 114 23, 114 24, 113 23)))", 1),
        ("BBOX(geometry, 113, 23, 114, 24) AND land_use = '0701'", 1),
        ("S_INTERSECTS(geometry, POINT(113 23)) AND S_TOUCHES(geometry, POINT(114 24))", 2),
        # rows outside the literal pass these: no envelope may prune them
        ("S_DISJOINT(geometry, POINT(113.7 23))", 0),
        ("NOT S_INTERSECTS(geometry, POINT(113.7 23))", 0),
        ("S_INTERSECTS(geometry, POINT(113.7 23)) OR land_use = '0701'", 0),
        ("S_INTERSECTS(POINT(113.7 23), POINT(113.7 23))", 0),  # true for every row
    ],
)
def test_only_a_spatial_predicate_every_row_passes_gives_an_envelope(
    text: str, envelopes: int
) -> None:
    found = translate(PARCELS, text, None, crs.parse(None))
    assert len(found.envelopes) == envelopes
    assert all(not e.startswith("t.") for e in found.envelopes)
