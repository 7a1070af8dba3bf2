"""If-Match parsing (pure): quoted, weak and listed entity tags."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cadastre.parcels.service import parse_if_match


def test_forms() -> None:
    assert parse_if_match(None) == [] and parse_if_match("") == []
    assert parse_if_match('"abc"') == ["abc"]
    assert parse_if_match('W/"abc", "def"') == ["abc", "def"]
    assert parse_if_match("abc") == ["abc"]


@given(st.lists(st.text(alphabet="0123456789abcdef", min_size=32, max_size=32), max_size=5))
def test_round_trip(tags: list[str]) -> None:
    header = ", ".join(f'"{t}"' for t in tags)
    assert parse_if_match(header) == tags
