"""CQL2 temporal operators (T_BEFORE, T_AFTER, T_DURING, T_INTERSECTS) on date properties.

The events live in a temporary table of the test's own connection (rolled back with it),
served as a collection registered for this test only; dates are checked against Python.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.collections import Collection

EVENTS = Collection(
    id="test_events",
    title="events",
    description="dated points, for the temporal filter tests only",
    table="test_ogc_events",
    properties={"name": "string", "opened": "date", "starts": "datetime"},
    geometry_type="Point",
)
URL = f"/ogc/collections/{EVENTS.id}/items"
ROWS = [
    (1, "a", date(2025, 12, 31), datetime(2025, 12, 31, 23, 0, tzinfo=UTC)),
    (2, "b", date(2026, 1, 1), datetime(2026, 1, 1, 0, 0, tzinfo=UTC)),
    (3, "c", date(2026, 3, 15), datetime(2026, 3, 15, 8, 30, tzinfo=UTC)),
    (4, "d", date(2026, 6, 30), datetime(2026, 6, 30, 12, 0, tzinfo=UTC)),
    (5, "e", date(2027, 1, 1), datetime(2027, 1, 1, 0, 0, tzinfo=UTC)),
    (6, "f", None, None),
]


@pytest.fixture
def events(db: Session, client: TestClient) -> Iterator[Collection]:
    db.execute(
        text(
            "CREATE TEMP TABLE test_ogc_events (id integer PRIMARY KEY, name text, "
            "opened date, starts timestamptz, geom geometry(Point, 4490))"
        )
    )
    for i, name, opened, starts in ROWS:
        db.execute(
            text(
                "INSERT INTO test_ogc_events VALUES (:i, :name, :opened, :starts, "
                "ST_SetSRID(ST_MakePoint(113.75 + :i * 0.001, 23), 4490))"
            ),
            {"i": i, "name": name, "opened": opened, "starts": starts},
        )
    app = client.app  # type: ignore[attr-defined]
    app.state.catalog = app.state.catalog.extended([EVENTS])  # this test's app only
    yield EVENTS


def _names(client: TestClient, cql: str, lang: str = "cql2-text") -> list[str]:
    r = client.get(URL, params={"filter": cql, "filter-lang": lang, "sortby": "name"})
    assert r.status_code == 200, r.text
    return [f["properties"]["name"] for f in r.json()["features"]]


def _expect(test: Any, column: int) -> list[str]:
    return [row[1] for row in ROWS if row[column] is not None and test(row[column])]


def test_before_and_after_an_instant(client: TestClient, events: Collection) -> None:
    new_year = datetime(2026, 1, 1, tzinfo=UTC)
    got = _names(client, "T_BEFORE(starts, TIMESTAMP('2026-01-01T00:00:00Z'))")
    assert got == _expect(lambda v: v < new_year, 3) == ["a"]
    got = _names(client, "T_AFTER(starts, TIMESTAMP('2026-01-01T00:00:00Z'))")
    assert got == _expect(lambda v: v > new_year, 3) == ["c", "d", "e"]
    got = _names(client, "T_AFTER(opened, DATE('2026-03-15'))")
    assert got == _expect(lambda v: v > date(2026, 3, 15), 2) == ["d", "e"]
    infix = _names(client, "opened T_AFTER DATE('2026-03-15')")  # pygeofilter's own form
    assert infix == got


def test_during_and_intersects_an_interval(client: TestClient, events: Collection) -> None:
    lo, hi = date(2026, 1, 1), date(2027, 1, 1)
    during = _names(client, "T_DURING(opened, INTERVAL('2026-01-01', '2027-01-01'))")
    assert during == _expect(lambda v: lo < v < hi, 2) == ["c", "d"]  # ends excluded
    meets = _names(client, "T_INTERSECTS(opened, INTERVAL('2026-01-01', '2027-01-01'))")
    assert meets == _expect(lambda v: lo <= v <= hi, 2) == ["b", "c", "d", "e"]
    open_end = _names(client, "T_INTERSECTS(starts, INTERVAL('2026-03-15T08:30:00Z', '..'))")
    assert open_end == ["c", "d", "e"]
    open_start = _names(client, "T_DURING(starts, INTERVAL('..', '2026-03-15T08:30:00Z'))")
    assert open_start == ["a", "b"]
    instant = _names(client, "T_INTERSECTS(opened, DATE('2026-06-30'))")
    assert instant == ["d"]
    combined = _names(client, "T_AFTER(opened, DATE('2025-12-31')) AND name <> 'c'")
    assert combined == ["b", "d", "e"]


def test_cql2_json_temporal_equals_text(client: TestClient, events: Collection) -> None:
    cql = {
        "op": "t_during",
        "args": [{"property": "starts"}, {"interval": ["2025-12-31T23:30:00Z", ".."]}],
    }
    as_json = _names(client, json.dumps(cql), "cql2-json")
    as_text = _names(client, "T_DURING(starts, INTERVAL('2025-12-31T23:30:00Z', '..'))")
    assert as_json == as_text == ["b", "c", "d", "e"]
    before = {"op": "t_before", "args": [{"property": "opened"}, {"date": "2026-03-15"}]}
    assert _names(client, json.dumps(before), "cql2-json") == ["a", "b"]


def test_temporal_refusals_name_the_filter(client: TestClient, events: Collection) -> None:
    cases = [
        ("T_BEFORE(name, DATE('2026-01-01'))", "name"),  # not a date property
        ("T_BEFORE(secret, DATE('2026-01-01'))", "secret"),  # not published
        ("T_DURING(opened, DATE('2026-01-01'))", None),  # DURING needs an interval
        ("T_OVERLAPS(opened, INTERVAL('2026-01-01', '..'))", None),
        ("T_MEETS(opened, INTERVAL('2026-01-01', '2026-02-01'))", None),
        ('{"op": "t_overlaps", "args": [{"property": "opened"}, {"date": "2026-01-01"}]}', None),
    ]
    for cql, prop in cases:
        lang = "cql2-json" if cql.startswith("{") else "cql2-text"
        r = client.get(URL, params={"filter": cql, "filter-lang": lang})
        assert r.status_code == 400, cql
        body = r.json()
        assert body["field"] == "filter", cql
        if prop:
            assert body["property"] == prop
    refused = client.get(URL, params={"filter": "T_OVERLAPS(opened, DATE('2026-01-01'))"})
    assert "T_INTERSECTS" in refused.json()["detail"]


def test_sortby_dates_with_nulls_last(client: TestClient, events: Collection) -> None:
    up = client.get(URL, params={"sortby": "opened", "limit": 4}).json()
    nxt = next(x["href"] for x in up["links"] if x["rel"] == "next")
    names = [f["properties"]["name"] for f in up["features"] + client.get(nxt).json()["features"]]
    assert names == ["a", "b", "c", "d", "e", "f"]  # PostgreSQL: NULLs after values ascending
    down = client.get(URL, params={"sortby": "-starts", "properties": "starts"}).json()
    got = [f["properties"]["starts"] for f in down["features"]]
    assert got[0] is None and got[1:] == sorted(got[1:], reverse=True)
    assert all(list(f["properties"]) == ["starts"] for f in down["features"])
