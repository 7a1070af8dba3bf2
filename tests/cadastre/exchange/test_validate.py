"""Row checks of the bulk import (pure functions, no database)."""

from __future__ import annotations

import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from cadastre.exchange.validate import (
    code_problem,
    geometry_problem,
    land_use_problem,
    parcel_number,
    resolve_mapping,
)
from gis.errors import InvalidInput

SUB = "441900001002"
CODE = f"{SUB}GB00011W00000000"


def test_code_checks() -> None:
    assert code_problem(CODE, set(), {SUB}) is None
    assert "not in the register" in (code_problem(CODE, set(), {"441900001003"}) or "")
    assert "duplicate unit code" in (code_problem(CODE, {CODE}, {SUB}) or "")
    other_right = f"{SUB}GS00011W00000000"
    assert "used twice in subzone" in (
        code_problem(other_right, {parcel_number(CODE)}, {SUB}) or ""
    )
    assert "28 characters" in (code_problem("4419", set(), {SUB}) or "")


@given(st.text(max_size=40))
def test_any_text_gets_a_reason_or_is_a_valid_code(value: str) -> None:
    reason = code_problem(value, set(), {SUB})
    assert reason is None or isinstance(reason, str)
    if reason is None:
        assert value.startswith(SUB) and len(value) == 28


def test_geometry_and_land_use_checks() -> None:
    assert geometry_problem(None) == "no geometry"
    assert "not a polygon" in (geometry_problem(shapely.Point(0, 0)) or "")
    bow = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    assert (geometry_problem(bow) or "").startswith("invalid geometry: Self-intersection")
    assert geometry_problem(shapely.box(0, 0, 1, 1)) is None
    assert land_use_problem("0701") is None and land_use_problem("07") is None
    assert "unknown land-use class" in (land_use_problem("9999") or "")


def test_mapping() -> None:
    assert resolve_mapping(["BDCDYH", "DLBM"], None) == {"unit_code": "BDCDYH", "land_use": "DLBM"}
    assert resolve_mapping(["a", "b"], {"unit_code": "a", "land_use": "b"})["land_use"] == "b"
    with pytest.raises(InvalidInput) as err:
        resolve_mapping(["a"], {"unit_code": "zz"})
    assert err.value.field == "mapping"
    with pytest.raises(InvalidInput, match="no column for land_use"):
        resolve_mapping(["unit_code"], None)
