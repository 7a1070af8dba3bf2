"""Rows in the binary COPY format are read by the server as the same values as CSV rows."""

from __future__ import annotations

import numpy as np
import psycopg
import pyarrow as pa
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.orm import Session

from cadastre.exchange.chunks import point_wkb
from gis import copy_binary
from gis.bulk import copy_binary as copy_into

COLUMNS = ["i", "t", "n", "p", "g"]
SAMPLE = shapely.to_wkb(
    np.asarray(
        [shapely.MultiPolygon([shapely.box(113.0, 22.5, 113.001, 22.501)]), shapely.Point(0, 0)],
        dtype=object,
    )
)


def _table(db: Session) -> None:
    db.execute(
        text(
            "CREATE TEMP TABLE IF NOT EXISTS copy_binary_check (i integer, t varchar(40), "
            "n numeric(14,2), p geometry(Point,4490), g geometry(MultiPolygon,4490)) "
            "ON COMMIT DROP"
        )
    )


def _load(db: Session, ints, texts, numbers, points, blobs) -> list[tuple]:  # type: ignore[no-untyped-def]
    fields = [
        copy_binary.int4_field(np.asarray(ints)),
        copy_binary.text_field(pa.array(texts, pa.string())),
        copy_binary.numeric_field(np.asarray(numbers, dtype=float), 2),
        copy_binary.fixed_field(points),
        copy_binary.text_field(pa.array(blobs, pa.binary())),
    ]
    db.execute(text("TRUNCATE copy_binary_check"))
    copy_into(db, "copy_binary_check", COLUMNS, copy_binary.rows(fields))
    return [
        tuple(r)
        for r in db.execute(
            text(
                "SELECT i, t, n::text, ST_SRID(p), ST_X(p), ST_Y(p), ST_SRID(g), "
                "ST_AsBinary(g) FROM copy_binary_check ORDER BY i"
            )
        )
    ]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.text(max_size=20)),
            st.one_of(
                st.floats(-1e11, 1e11, allow_nan=False),
                st.sampled_from([0.0, 0.005, 0.015, 2.675, -0.005, 99999999999.99, 1e-9]),
            ),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_values_read_back_as_the_text_forms_would(db, values) -> None:
    """(One table, emptied for each example.) Text (Chinese, empty, NULL), numerics
    rounded as round(x, 2) then parsed (the CSV path did that), points and multipolygons
    with the column's SRID."""
    _table(db)
    texts = [None if t is None else t.replace("\x00", "") for t, _ in values]
    numbers = [n for _, n in values]
    xy = np.column_stack([np.linspace(113, 114, len(values)), np.full(len(values), 22.5)])
    points = shapely.points(xy)
    got = _load(
        db, range(len(values)), texts, numbers, point_wkb(points), [SAMPLE[0]] * len(values)
    )
    want_numbers = [
        db.execute(
            text("SELECT CAST(CAST(:v AS text) AS numeric(14,2))::text"),
            {"v": repr(float(np.round(n, 2)))},
        ).scalar_one()
        for n in numbers
    ]
    assert [r[0] for r in got] == list(range(len(values)))
    assert [r[1] for r in got] == texts
    assert [r[2] for r in got] == want_numbers
    assert [r[3:6] for r in got] == [(4490, x, y) for x, y in xy]
    assert {(r[6], bytes(r[7])) for r in got} == {(4490, SAMPLE[0])}


def test_a_wrong_geometry_type_is_refused_as_in_text(db) -> None:
    """A point in the multipolygon column: the server's own type check, as with hex text."""
    _table(db)
    point = point_wkb(shapely.points([[113.0, 22.5]]))
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="MultiPolygon"):
        _load(db, [1], ["x"], [1.0], point, [SAMPLE[1]])
