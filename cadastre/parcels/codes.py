"""Allocation and checking of unit codes against the register's zones and subzones.

Sequence numbers are per cadastral subzone (GB/T 37346: 5 digits, unique in the
subzone). A counter row per subzone is updated with ``UPDATE ... RETURNING``, which
row-locks it until the transaction ends: concurrent registrars queue on it, so numbers
have no duplicates, and a rolled-back edit hands its numbers back (no gaps). The
counter never goes below the highest number ever used, retired codes included.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from cadastre.unit_code import OWNERSHIP, RIGHT_TYPE, UnitCode, format_unit_code, parse_unit_code
from gis.errors import Conflict, InvalidInput

MAX_SEQ = 99_999

ENSURE_SQL = """
INSERT INTO unit_code_counter (subzone_code, last_seq) VALUES (:sz, 0)
ON CONFLICT (subzone_code) DO NOTHING
"""
BUMP_SQL = """
UPDATE unit_code_counter SET last_seq = GREATEST(last_seq, coalesce(
    (SELECT max(CAST(substr(parcel_code, 15, 5) AS integer)) FROM parcel
      WHERE subzone_code = :sz), 0)) + :n
WHERE subzone_code = :sz AND GREATEST(last_seq, coalesce(
    (SELECT max(CAST(substr(parcel_code, 15, 5) AS integer)) FROM parcel
      WHERE subzone_code = :sz), 0)) + :n <= :max
RETURNING last_seq
"""


def allocate(session: Session, subzone_code: str, n: int = 1) -> list[int]:
    """Reserve ``n`` consecutive new sequence numbers in a subzone (locks its counter row)."""
    check_subzone(session, subzone_code)
    session.execute(text(ENSURE_SQL), {"sz": subzone_code})
    last = session.execute(
        text(BUMP_SQL), {"sz": subzone_code, "n": n, "max": MAX_SEQ}
    ).scalar_one_or_none()
    if last is None:
        raise Conflict(
            f"subzone {subzone_code} has no free parcel sequence numbers left",
            field="subzone_code",
        )
    return list(range(last - n + 1, last + 1))


def new_codes(session: Session, template: UnitCode | str, n: int) -> list[str]:
    """``n`` new land-only unit codes in the subzone and with the rights of ``template``."""
    t = parse_unit_code(template) if isinstance(template, str) else template
    return [
        format_unit_code(t.county, int(t.zone), int(t.subzone), t.ownership, t.right_type, seq)
        for seq in allocate(session, t.subzone_code, n)
    ]


def template_for(subzone_code: str, ownership: str, right_type: str) -> UnitCode:
    """A unit-code template for new parcels in ``subzone_code`` (sequence 1 as placeholder)."""
    if ownership not in OWNERSHIP:
        raise InvalidInput(f"ownership must be one of {', '.join(OWNERSHIP)}", field="ownership")
    if right_type not in RIGHT_TYPE:
        raise InvalidInput(f"right type must be one of {''.join(RIGHT_TYPE)}", field="right_type")
    if len(subzone_code) != 12 or not subzone_code.isdigit():
        raise InvalidInput("a subzone code has 12 digits", field="subzone_code")
    return parse_unit_code(f"{subzone_code}{ownership}{right_type}00001W00000000", "subzone_code")


SUBZONE_SQL = """
SELECT EXISTS (SELECT 1 FROM cadastral_zone WHERE left(code, 6) = :county) AS county_ok,
       EXISTS (SELECT 1 FROM cadastral_zone WHERE code = :zone) AS zone_ok,
       EXISTS (SELECT 1 FROM cadastral_subzone WHERE code = :sz AND zone_code = :zone) AS sub_ok
"""


def check_subzone(session: Session, subzone_code: str, field: str = "subzone_code") -> None:
    """The subzone must exist and belong to its zone, and the zone to the register's county."""
    row = session.execute(
        text(SUBZONE_SQL),
        {"county": subzone_code[:6], "zone": subzone_code[:9], "sz": subzone_code},
    ).one()
    if not row.county_ok:
        raise InvalidInput(f"county {subzone_code[:6]} is not kept in this register", field=field)
    if not row.zone_ok:
        raise InvalidInput(f"cadastral zone {subzone_code[:9]} does not exist", field=field)
    if not row.sub_ok:
        raise InvalidInput(
            f"cadastral subzone {subzone_code} does not exist in zone {subzone_code[:9]}",
            field=field,
        )


def check_unit_code(session: Session, code: str, field: str = "unit_code") -> UnitCode:
    """Parse a unit code and check its county, zone and subzone against the register."""
    parsed = parse_unit_code(code, field)
    check_subzone(session, parsed.subzone_code, field)
    return parsed
