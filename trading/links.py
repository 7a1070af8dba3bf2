"""The two doors trading uses into other domains: planning compliance and the cadastre.

* ``gis.planning.compliance.check`` tells whether a parcel may be offered for its use.
* ``cadastre.handoff`` tells whether a unit is seized and opens the buyer's
  registration case from the contract, so nothing is retyped.
"""

from __future__ import annotations

from typing import Any

from shapely import Geometry
from sqlalchemy.orm import Session

from cadastre import handoff
from cadastre.registry.errors import AlreadyRegistered
from gis.planning import compliance


def compliance_conflicts(session: Session, geom_4490: Geometry, land_use: str) -> list[str]:
    """Codes of the planning conflicts of ``geom_4490`` (EPSG:4490) for ``land_use``; [] if none."""
    result = compliance.check(session, geom_4490, land_use)
    if result.verdict == "compliant":
        return []
    return [f.code for f in result.conflicts] or ["CONFLICT"]


def restrictions(session: Session, unit_code: str) -> set[str]:
    """Restrictions in force on a unit (``seizure``, ``mortgage``, ...) from the cadastre."""
    return set(handoff.unit_restrictions(session, unit_code))


def open_registration(
    session: Session,
    unit_code: str,
    holder: dict[str, Any],
    source: dict[str, Any],
    submitted_by: str,
    right_terms: dict[str, Any] | None = None,
) -> dict[str, str]:
    """Open the buyer's registration case of ``unit_code`` in the cadastre; never commits.

    A unit with no registered right gets a first registration (首次登记); one whose
    right is registered already (e.g. land taken back and re-offered) gets a transfer
    (转移登记). ``right_terms`` (the contract's 出让 and its term) are printed on the
    certificate. Returns the unit code, the case type and the case's public number.
    """
    for case_type in ("first_registration", "transfer"):
        try:
            with session.begin_nested():
                number = handoff.open_case(
                    session,
                    case_type=case_type,
                    unit_code=unit_code,
                    holders=[holder],
                    source={"kind": "contract", **source},
                    submitted_by=submitted_by,
                    right_terms=right_terms,
                )
            return {"unit_code": unit_code, "case_type": case_type, "case_number": number}
        except AlreadyRegistered:
            continue
    raise AssertionError("unreachable: a transfer is open to any registered unit")
