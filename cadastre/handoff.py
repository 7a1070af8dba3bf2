"""The registry's contract with other domains (trading, surveys).

Every function takes the caller's SQLAlchemy Session and does NOT commit: the caller's
transaction decides. Errors are :mod:`gis.errors` categories (InvalidInput, NotFound,
Conflict) naming the field at fault.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cadastre.registry import carry, service
from cadastre.registry import repository as registry_repo
from cadastre.registry.errors import CaseNotFound, UnitNotFound
from cadastre.registry.rules import EDITS_BLOCKED_WHILE_SEIZED

__all__ = [
    "CaseNotFound",
    "UnitNotFound",
    "carry_rrrs",
    "case_status",
    "check_merge",
    "lock_units",
    "open_case",
    "seizure_blocks",
    "unit_restrictions",
]


def open_case(
    session: Session,
    *,
    case_type: str,
    submitted_by: str,
    unit_code: str | None = None,
    geometry_geojson: dict[str, Any] | None = None,
    land_use: str | None = None,
    holders: list[dict[str, Any]] | None = None,
    source: dict[str, Any] | None = None,
    note: str = "",
    mortgage: dict[str, Any] | None = None,
    right_terms: dict[str, Any] | None = None,
) -> str:
    """Submit a registration case on behalf of another domain; returns its public number.

    ``case_type``: first_registration, transfer, change, cancellation, correction,
    objection, advance_notice, seizure, seizure_release, mortgage, mortgage_discharge.
    ``holders``: [{"kind": "natural"|"legal", "name", "id_number", "share": "1/2"}]
    (shares of a right must add up to exactly 1; a natural person's 18-character ID-card
    number must carry its check character); also {"kind": "group", "name", "share",
    "members": [...]} for a household. ``source``: {"kind": "contract" | "survey_plan" |
    "deed" | "court_order", "title", "sha256" | None, "path" | None}; a given file (a
    local path, or the key of a file in the store) is kept in the store under sources/
    and its SHA-256 checked.
    ``geometry_geojson``: a (Multi)Polygon in EPSG:4490 lon/lat, checked at once (valid,
    no overlap with current parcels): with ``land_use`` and no ``unit_code`` it is a new
    parcel for a first registration (made with a new unit code when the case is entered;
    holders may then be added at the window before entry); with a ``unit_code`` on a
    "correction" or "change" it is the corrected boundary. ``mortgage``: {"amount":
    "1000000.00", "creditor", "term_end": "YYYY-MM-DD"}. ``right_terms`` (a right's case):
    {"nature": "grant" | "allocation" | ..., "term_start": "YYYY-MM-DD", "term_end":
    "YYYY-MM-DD"}, printed on the certificate as 权利性质 and 使用期限 (a land sale's
    contract date and term); a transfer keeps the terms stated before.
    The case starts as ``submitted`` and goes through the registrars' steps. Raises
    InvalidInput (bad field), UnitNotFound, or a Conflict (UnitSeized, UnitCancelled,
    AlreadyRegistered, NotRegistered, NothingToRelease) naming the field.
    """
    request = {
        "unit_code": unit_code,
        "geometry": geometry_geojson,
        "land_use": land_use,
        "holders": holders,
        "source": source,
        "mortgage": mortgage,
        "right_terms": right_terms,
    }
    case = service.open_case(
        session,
        case_type_code=case_type,
        submitted_by=submitted_by,
        role="system",
        request=request,
        note=note,
    )
    return case.public_number


def unit_restrictions(session: Session, unit_code: str) -> set[str]:
    """Restrictions in force now on a unit: a subset of {"seizure", "mortgage",
    "objection", "advance_notice"}; lapsed objections/notices are not in it.
    Raises UnitNotFound (a NotFound) for an unknown unit code, InvalidInput for a
    malformed one."""
    return service.restrictions_as_of(session, unit_code)


def case_status(session: Session, public_number: str) -> dict[str, Any]:
    """A case's status and dates (nothing about people); CaseNotFound if unknown."""
    return service.case_status(session, public_number)


def lock_units(session: Session, unit_codes: list[str]) -> None:
    """Take the registration locks of these units (as case entry does) until the
    transaction ends; a parcel edit takes them before its parcel row locks, in the same
    order as entry, so an edit and an entry on one unit wait for each other instead of
    deadlocking, and the edit sees a restriction entered just before it."""
    for code in sorted(set(unit_codes)):
        registry_repo.lock_unit(session, code)


def seizure_blocks(operation: str) -> bool:
    """Whether a court's seizure (查封) stops this parcel edit (a split carries it instead)."""
    return operation in EDITS_BLOCKED_WHILE_SEIZED


def check_merge(session: Session, unit_codes: list[str], at: datetime) -> None:
    """Refuse merging these units: UnitSeized if one is seized, HoldersDiffer (a Conflict
    naming the parcels, ``detail_zh`` in Chinese) unless every unit's live rights have the
    same holders with the same shares. Takes the units' registration locks."""
    carry.check_merge(session, unit_codes, at)


def carry_rrrs(
    session: Session,
    *,
    operation: str,
    edit_id: int,
    parents: list[str],
    children: list[tuple[str, int]],
    at: datetime,
) -> dict[str, Any] | None:
    """Carry the live rights and restrictions of the ``parents`` unit codes to the
    ``children`` ((unit code, parcel uid) each) of parcel edit ``edit_id``, ending the
    parents' records at ``at``; the journal summary, or None if nothing was registered."""
    return carry.carry(
        session, operation=operation, edit_id=edit_id, parents=parents, children=children, at=at
    )
