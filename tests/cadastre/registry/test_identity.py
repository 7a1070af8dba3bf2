"""Who a party is: ID-card and credit-code check characters, names that cannot lie.

Property tests (hypothesis): every code made with its GB 32100 check character is taken,
every code with any other check character, or a character outside the alphabet, is not;
every name holding a control character, NUL, lone surrogate or bidi control is refused
naming the field, and clean names pass unchanged.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cadastre.registry.identity import (
    BIDI_CONTROLS,
    USCC_CHARS,
    credit_code_check_char,
    valid_party_number,
)
from cadastre.registry.validation import check_holders
from gis.errors import InvalidInput

ALPHA = st.sampled_from(USCC_CHARS)
DIGIT = st.sampled_from("0123456789")
FIRST17 = st.tuples(
    st.lists(ALPHA, min_size=2, max_size=2),
    st.lists(DIGIT, min_size=6, max_size=6),
    st.lists(ALPHA, min_size=9, max_size=9),
).map(lambda t: "".join(t[0] + t[1] + t[2]))


def test_known_codes() -> None:
    assert credit_code_check_char("91441900MA4UQ2K8A") == "N"
    assert credit_code_check_char("91350100M000100Y4") == "3"
    assert valid_party_number("legal", "91350100M000100Y43")
    assert not valid_party_number("legal", "91350100M000100Y44")


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FIRST17)
def test_every_code_with_its_check_character_is_valid(first17: str) -> None:
    check = credit_code_check_char(first17)
    assert check in USCC_CHARS
    assert valid_party_number("legal", first17 + check)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FIRST17, ALPHA)
def test_any_other_check_character_is_refused(first17: str, other: str) -> None:
    if other != credit_code_check_char(first17):
        assert not valid_party_number("legal", first17 + other)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FIRST17, st.integers(0, 16), st.sampled_from("IOZSV"))
def test_letters_outside_the_alphabet_are_refused(first17: str, at: int, bad: str) -> None:
    code = first17[:at] + bad + first17[at + 1 :]
    for check in USCC_CHARS:
        assert not valid_party_number("legal", code + check)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FIRST17, st.integers(2, 7), st.sampled_from("ABCDEFGHJKLMNPQRTUWXY"))
def test_letters_in_the_area_code_are_refused(first17: str, at: int, letter: str) -> None:
    code = first17[:at] + letter + first17[at + 1 :]
    assert not valid_party_number("legal", code + credit_code_check_char(code))


CORP = {"kind": "legal", "name": "东莞市某某置业有限公司", "id_number": "91441900MA4UQ2K8AN"}
UNSAFE = st.one_of(
    st.sampled_from(["\x00", "\x1b", "\x7f", "\u0085", "\ud800", "\udfff"]),
    st.sampled_from(sorted(BIDI_CONTROLS)),
    st.characters(categories=["Cc"]),
)
CLEAN = st.text(
    st.characters(categories=["L", "N"], exclude_characters="\u2028\u2029"),
    min_size=1,
    max_size=20,
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CLEAN, UNSAFE, CLEAN)
def test_names_with_unsafe_characters_are_refused(left: str, bad: str, right: str) -> None:
    holder = dict(CORP, name=left + bad + right)
    with pytest.raises(InvalidInput) as err:
        check_holders([holder], True)
    assert err.value.field == "holders.0.name"
    if not 0xD800 <= ord(bad) <= 0xDFFF:  # pydantic itself refuses a lone surrogate
        assert f"U+{ord(bad):04X}" in err.value.detail


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CLEAN)
def test_clean_names_pass_unchanged(name: str) -> None:
    assert check_holders([dict(CORP, name=name)], True)[0]["name"] == name


def test_group_member_name_is_checked_too() -> None:
    alice = {"kind": "natural", "name": "王秀英", "id_number": "44190019900101116X", "share": "1/2"}
    bob = {
        "kind": "natural",
        "name": "李\u202e国",
        "id_number": "441900198506063454",
        "share": "1/2",
    }
    group = {"kind": "group", "name": "王李家庭", "members": [alice, bob]}
    with pytest.raises(InvalidInput) as err:
        check_holders([group], True)
    assert err.value.field == "holders.0.members.1.name"
