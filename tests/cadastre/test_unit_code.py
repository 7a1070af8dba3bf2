"""Unit codes (GB/T 37346): structure, each malformed part named, round trip."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cadastre.unit_code import format_unit_code, parse_unit_code
from gis.errors import InvalidInput

EXAMPLE = "441900001002GB00011W00000000"


def test_domain_example() -> None:
    code = parse_unit_code(EXAMPLE)
    assert code.parcel_code == "441900001002GB00011"
    assert (code.zone, code.subzone, code.seq, code.fixture) == ("001", "002", 11, "W")


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("441900001002GB00011W0000000", "28 characters"),
        ("441900001002QB00011W00000000", "ownership"),
        ("441900001002GK00011W00000000", "right type"),
        ("441900001002GB0001AW00000000", "parcel sequence"),
        ("441900001002GB00011W00000001", "fixture code W"),
        ("441900001002GB00011F00000000", "needs a fixture unit number"),
        ("441900000002GB00011W00000000", "start at 001"),
        ("441900001002GB00000W00000000", "start at 00001"),
    ],
)
def test_malformed_codes_say_why(bad: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason) as info:
        parse_unit_code(bad)
    assert info.value.field == "unit_code"


@given(
    zone=st.integers(1, 999),
    sub=st.integers(1, 999),
    seq=st.integers(1, 99999),
    own=st.sampled_from("GJZ"),
    right=st.sampled_from("ABSXCDEFHGWY"),
)
def test_format_parse_round_trip(zone: int, sub: int, seq: int, own: str, right: str) -> None:
    code = format_unit_code("441900", zone, sub, own, right, seq)
    parsed = parse_unit_code(code)
    assert str(parsed) == code and parsed.seq == seq and len(code) == 28


def test_full_width_digits_are_not_a_unit_code() -> None:
    """Unicode digits (full-width ０-９, as a Chinese input method types them) look like a
    code on screen but are not one: the register stores and compares ASCII codes only."""
    ascii_code = "441900001001GB00001W00000000"
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in ascii_code)
    parse_unit_code(ascii_code)
    with pytest.raises(InvalidInput):
        parse_unit_code(full_width)
