"""Pure checks of who a party is: ID-card numbers, unified social credit codes, safe names.

No database here (plain unit and hypothesis property tests). The pydantic schemas
(:mod:`cadastre.registry.schemas`) call these; nothing else re-checks what they checked.
"""

from __future__ import annotations

import re
import unicodedata

ID_CARD = re.compile(r"^\d{17}[\dX]$")
# GB 32100-2015: 登记管理部门代码 and 机构类别代码 (2), 行政区划码 (6 digits), 主体标识码
# (9, GB 11714), check character; the alphabet is 0-9 and A-Z without I, O, Z, S, V
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# bidi embeddings/overrides (U+202A-U+202E) and isolates (U+2066-U+2069): they make a
# name display as something else than what is stored
BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))


def id_card_check_char(first17: str) -> str:
    """The 18th character of a resident ID-card number (GB 11643-1999, ISO 7064 MOD 11-2)."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code (GB 32100-2015, MOD 31):
    31 - (sum of value x weight mod 31), as a character of USCC_CHARS (31 -> "0")."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def valid_party_number(kind: str, number: str) -> bool:
    """Whether ``number`` is a valid ID-card number (natural) or unified social credit code
    (legal), check character included."""
    if kind == "natural":
        return bool(ID_CARD.match(number)) and id_card_check_char(number[:17]) == number[17]
    if kind == "legal":
        return bool(CREDIT_CODE.match(number)) and credit_code_check_char(number[:17]) == number[17]
    return False


def unsafe_char(text: str) -> str | None:
    """The first character of ``text`` a name must not hold: a control character (NUL
    included), a lone surrogate or a bidi override/isolate; None if there is none."""
    for ch in text:
        if ch in BIDI_CONTROLS or unicodedata.category(ch) in ("Cc", "Cs"):
            return ch
    return None


def check_text(value: str) -> str:
    """``value`` stripped, or ValueError naming the first unsafe character (zh/en)."""
    bad = unsafe_char(value)
    if bad is not None:
        raise ValueError(
            f"含控制字符、孤立代理项或双向文本控制符 U+{ord(bad):04X}；"
            f"contains a control character, lone surrogate or bidi control U+{ord(bad):04X}"
        )
    stripped = value.strip()
    if not stripped:
        raise ValueError("不能为空；must not be blank")
    return stripped
