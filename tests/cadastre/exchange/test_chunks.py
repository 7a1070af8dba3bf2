"""The whole-column checks of an import chunk give the same answers as the row-by-row ones."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from cadastre.exchange.chunks import WELL_FORMED, WELL_FORMED_RE2, CodeFacts, point_wkb
from cadastre.exchange.validate import parcel_number
from cadastre.unit_code import parse_unit_code
from gis.errors import InvalidInput

CODE = "441900054014JC00139W00000000"
# characters a code is made of, plus look-alikes: a full-width digit, space, newline, other
# letters; zeros often, so that the "not all zero" runs are tried
MUTATIONS = st.lists(
    st.tuples(st.integers(0, len(CODE) - 1), st.sampled_from("0000123456789GJZABSXFLQWY０ \nk")),
    max_size=4,
)


def _mutated(changes: list[tuple[int, str]], cut: int) -> str:
    code = list(CODE)
    for at, char in changes:
        code[at] = char
    return "".join(code)[: len(CODE) - cut]


def _accepted(code: str) -> bool:
    try:
        parse_unit_code(code)
    except InvalidInput:
        return False
    return True


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(MUTATIONS, st.integers(0, 2)), min_size=1, max_size=40))
def test_arrow_pattern_accepts_what_the_regex_and_the_parser_accept(mutants) -> None:
    codes = [_mutated(changes, cut) for changes, cut in mutants]
    by_arrow = pc.match_substring_regex(pa.array(codes), WELL_FORMED_RE2).to_pylist()
    assert by_arrow == [bool(WELL_FORMED.match(c)) for c in codes]
    # parse_unit_code also takes full-width digits (its \d is Unicode); such a chunk goes
    # row by row in both forms, so only ASCII codes are compared with it
    ascii_codes = [(c, a) for c, a in zip(codes, by_arrow, strict=True) if c.isascii()]
    assert [a for _, a in ascii_codes] == [_accepted(c) for c, _ in ascii_codes]


def test_code_facts_of_a_column() -> None:
    codes = [CODE, "441900054014JC00140F00000007", "441900058014JC00018W00000000"]
    facts = CodeFacts.of(pa.array(codes))
    assert facts.well_formed
    assert facts.numbers == [parcel_number(c) for c in codes]
    assert facts.subzones == {"441900054014", "441900058014"}
    assert not CodeFacts.of(pa.array([CODE, CODE.replace("W", "X")])).well_formed


@given(st.lists(st.tuples(st.floats(-180, 180), st.floats(-90, 90)), max_size=30))
def test_point_wkb_is_what_shapely_writes(xy) -> None:
    points = shapely.points(np.asarray(xy, dtype=float).reshape(-1, 2))
    assert [bytes(row) for row in point_wkb(points)] == list(shapely.to_wkb(points))
