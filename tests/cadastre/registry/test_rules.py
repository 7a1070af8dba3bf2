"""Pure registry rules: shares as fractions, steps and roles, working days, holders."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cadastre.registry.rules import (
    CASE_TYPES,
    STEP_ROLES,
    add_working_days,
    check_shares,
    check_step,
    parse_share,
)
from cadastre.registry.validation import check_holders, check_mortgage
from gis.errors import Conflict, InvalidInput, PermissionDenied


@given(st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=12))
def test_shares_made_to_sum_to_one_pass(weights: list[int]) -> None:
    total = sum(weights)
    shares = [parse_share(f"{w}/{total}", "s") for w in weights]
    check_shares(shares)


@given(
    st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=12),
    st.integers(min_value=1, max_value=50),
)
def test_shares_off_by_any_fraction_fail(weights: list[int], extra: int) -> None:
    total = sum(weights) + extra
    shares = [Fraction(w, total) for w in weights]
    with pytest.raises(InvalidInput) as err:
        check_shares(shares)
    assert err.value.field == "holders"


def test_thirds_and_a_quarter_are_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        check_shares([parse_share(s, "s") for s in ("1/3", "1/3", "1/4")])
    assert "11/12" in err.value.detail


@pytest.mark.parametrize("bad", ["0", "3/2", "a/b", "1/0", "-1/2", 0.5, ""])
def test_bad_share_values(bad: object) -> None:
    with pytest.raises(InvalidInput):
        parse_share(bad, "holders.0.share")


def test_decimal_text_shares_are_exact() -> None:
    assert parse_share("0.25", "s") == Fraction(1, 4)
    check_shares([parse_share(s, "s") for s in ("0.1", "0.2", "0.7")])


def test_step_table() -> None:
    assert check_step("accept", "submitted", "registrar") == "accepted"
    assert check_step("withdraw", "reviewed", "registrar") == "withdrawn"
    with pytest.raises(Conflict):
        check_step("enter", "submitted", "registrar")
    with pytest.raises(Conflict):
        check_step("reject", "entered", "registrar")
    for role in ("surveyor", "planner", "inspector", "bidder", "public", "admin"):
        for step in ("accept", "review", "enter", "issue", "reject", "withdraw"):
            with pytest.raises(PermissionDenied):
                check_step(step, "reviewed", role)
    assert "public" in STEP_ROLES["submit"] and "public" not in STEP_ROLES["accept"]


def test_every_case_type_has_names_documents_and_time_limit() -> None:
    assert len(CASE_TYPES) == 11
    for ct in CASE_TYPES.values():
        assert ct.name_zh and ct.name_en and ct.documents and ct.time_limit_days >= 1


def test_working_days_skip_weekends() -> None:
    friday = datetime(2026, 11, 27, 10)
    assert add_working_days(friday, 1).isoformat() == "2026-11-30"
    assert add_working_days(friday, 5).isoformat() == "2026-12-04"


def test_holder_checks() -> None:
    good = {"kind": "natural", "name": "张三", "id_number": "44190019900101116x"}
    assert check_holders([good], True)[0]["id_number"].endswith("X")
    for bad, field in [
        (dict(good, id_number="4419001990010"), "holders.0.id_number"),
        (dict(good, id_number="441900199001011231"[:17] + "9"), "holders.0.id_number"),
        (dict(good, kind="alien"), "holders.0.kind"),
        (dict(good, name=" "), "holders.0.name"),
        ({"kind": "legal", "name": "X", "id_number": "91441900MA4UQ2K8I1"}, "holders.0.id_number"),
    ]:
        with pytest.raises(InvalidInput) as err:
            check_holders([bad], True)
        assert err.value.field == field
    with pytest.raises(InvalidInput) as err:
        check_holders([], True)
    assert err.value.field == "holders"


def test_credit_code_check_character() -> None:
    from cadastre.registry.identity import credit_code_check_char

    assert credit_code_check_char("91441900MA4UQ2K8A") == "N"
    assert credit_code_check_char("91350100M000100Y4") == "3"


def test_mortgage_checks() -> None:
    ok = check_mortgage({"amount": "1000000", "creditor": "银行", "term_end": "2030-01-01"})
    assert ok["amount"] == "1000000.00"
    for bad, field in [
        ({"amount": "-1", "creditor": "银行", "term_end": "2030-01-01"}, "mortgage.amount"),
        ({"amount": "NaN", "creditor": "银行", "term_end": "2030-01-01"}, "mortgage.amount"),
        ({"amount": "10", "creditor": "", "term_end": "2030-01-01"}, "mortgage.creditor"),
        ({"amount": "10", "creditor": "银行", "term_end": "tomorrow"}, "mortgage.term_end"),
        ({"amount": "1e30", "creditor": "银行", "term_end": "2030-01-01"}, "mortgage.amount"),
        ({"amount": "10", "creditor": "银\x00行", "term_end": "2030-01-01"}, "mortgage.creditor"),
        ({"amount": "10", "term_end": "2030-01-01"}, "mortgage.creditor"),
    ]:
        with pytest.raises(InvalidInput) as err:
            check_mortgage(bad)
        assert err.value.field == field
