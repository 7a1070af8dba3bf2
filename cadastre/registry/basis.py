"""The rights a case acts on, named at acceptance and re-checked at entry.

A transfer, mortgage, cancellation, ... acts on the unit's current right; a release acts
on the restriction it releases; a first registration acts on "no right yet". Accepting
such a case records those records on the case (``basis``: uid, version, type of each,
and ``basis_at``). Entry, holding the unit's lock, compares them with the register: if
they changed since (another case was entered first), the case is refused with a 409
naming the case that changed them, so a stale transfer never overwrites a newer owner.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from cadastre.registry.errors import AlreadyRegistered, RightChanged
from cadastre.registry.models import RegCase

RIGHTS = ("ownership", "use_right")
# case type -> the record types it acts on (cases left out act on the unit only)
ACTS_ON: dict[str, tuple[str, ...]] = {
    "first_registration": RIGHTS,
    "transfer": RIGHTS,
    "cancellation": RIGHTS,
    "mortgage": RIGHTS,
    "mortgage_discharge": ("mortgage",),
    "seizure_release": ("seizure",),
}
# these act on the holders' right only when they replace or rename holders
WITH_HOLDERS = frozenset({"change", "correction"})
NAMES = {
    "ownership": ("所有权", "ownership"),
    "use_right": ("使用权", "use right"),
    "mortgage": ("抵押权", "mortgage"),
    "seizure": ("查封", "seizure"),
}

CURRENT_SQL = """
SELECT uid, version, rrr_type FROM rrr
WHERE unit_code = :c AND end_lifespan IS NULL AND rrr_type = ANY(:t) ORDER BY uid, version
"""
CHANGED_BY_SQL = """
SELECT 0 AS prio, c.public_number, r.begin_lifespan AS at
FROM rrr r JOIN reg_case c ON c.id = r.case_id
WHERE r.unit_code = :c AND r.end_lifespan IS NULL AND r.rrr_type = ANY(:t)
  AND r.begin_lifespan >= :since AND c.id <> :id
UNION ALL
SELECT 1, public_number, entered_at FROM reg_case
WHERE unit_code = :c AND id <> :id AND entered_at >= :since
  AND case_type IN ('transfer', 'correction', 'cancellation', 'mortgage_discharge',
                    'seizure_release')
ORDER BY prio, at DESC LIMIT 1
"""


def acts_on(case: RegCase) -> tuple[str, ...]:
    """The record types ``case`` acts on (empty: it names no right)."""
    if case.unit_code is None:
        return ()
    if case.case_type in WITH_HOLDERS:
        return RIGHTS if case.payload.get("holders") else ()
    return ACTS_ON.get(case.case_type, ())


def current(session: Session, code: str, types: tuple[str, ...]) -> list[dict[str, Any]]:
    """The current records of ``types`` on unit ``code``: uid, version and type of each."""
    rows = session.execute(text(CURRENT_SQL), {"c": code, "t": list(types)})
    return [{"uid": int(r.uid), "version": int(r.version), "type": r.rrr_type} for r in rows]


def record(session: Session, case: RegCase, at: datetime) -> None:
    """At acceptance: name on ``case`` the records it acts on, as the register stands."""
    types = acts_on(case)
    if types and case.unit_code is not None:
        case.basis = current(session, case.unit_code, types)
        case.basis_at = at


def check(session: Session, case: RegCase) -> None:
    """At entry, inside the unit's lock: refuse ``case`` if its records changed since
    acceptance (AlreadyRegistered for a first registration, RightChanged otherwise)."""
    types = acts_on(case)
    code = case.unit_code
    if not types or code is None or case.basis is None or case.basis_at is None:
        return
    if current(session, code, types) == case.basis:
        return
    found = session.execute(
        text(CHANGED_BY_SQL), {"c": code, "t": list(types), "since": case.basis_at, "id": case.id}
    ).first()
    by, on = (found.public_number, found.at.date().isoformat()) if found else (None, None)
    extra = {"changed_by": by, "unit_code": code, "right": case.basis}
    if case.case_type == "first_registration":
        raise AlreadyRegistered(
            f"不动产单元{code}已由案件{by or '（宗地变更）'}登记，本案不能再作首次登记 / "
            f"unit {code} was registered by case {by or '(a parcel edit)'} on {on} after "
            "this case was accepted: it cannot be registered a first time again",
            field="unit_code",
            **extra,
        )
    zh, en = NAMES[types[0]]
    raise RightChanged(
        f"不动产单元{code}的{zh}已于{on}由案件{by or '（宗地变更）'}变更，与本案受理时所据"
        f"的权利不符，不予登簿；请按现登记状况重新申请 / the {en} on unit {code} was changed "
        f"by case {by or '(a parcel edit)'} on {on}, after this case was accepted: the case "
        "acts on a right that is no longer current and is not entered; apply again against "
        "the current register",
        field="unit_code",
        **extra,
    )
