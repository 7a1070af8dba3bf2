"""Response bodies of the registry's reads (issue 17: typed contracts).

The views in ``views.py`` build them as dicts; these models are the contract FastAPI
checks them against. *Public models carry no person (name, ID number, contact,
username); *Staff models are for registrars only. Request bodies and the answers to
them are in ``schemas.py``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class DocumentAttached(BaseModel):
    public_number: str
    document_id: int


class RestrictionName(BaseModel):
    type: str
    name_zh: str
    name_en: str


class UnitRestrictionsPublic(BaseModel):
    """The kinds of restriction in force on a unit now: no party, no creditor."""

    unit_code: str
    restrictions: list[RestrictionName]


class JournalProblem(BaseModel):
    seq: int
    reason: str


class JournalVerification(BaseModel):
    """The hash chain of the journal recomputed: ``ok`` and the rows that break it."""

    ok: bool
    entries: int
    head_hash: str
    problems: list[JournalProblem]


class CalendarDayPublic(BaseModel):
    """A holiday or adjusted working day (not who entered it)."""

    date: str
    kind: str
    name: str
    source: str


class CalendarPublic(BaseModel):
    year: int
    days: list[CalendarDayPublic]


class CaseSummaryStaff(BaseModel):
    """A case in the registrars' list (who submitted it included)."""

    public_number: str
    case_type: str
    case_type_name_zh: str
    case_type_name_en: str
    status: str
    status_name_zh: str
    status_name_en: str
    channel: str | None
    unit_code: str | None
    submitted_by: str | None
    submitted_at: str
    due_date: str
    entered_at: str | None
    overdue: bool


class CaseStepStaff(BaseModel):
    step: str
    status: str
    status_name_zh: str
    status_name_en: str
    actor: str
    role: str | None
    at: str
    reason: str | None


class CaseDocumentStaff(BaseModel):
    id: int
    kind: str | None
    title: str | None
    sha256: str | None
    size_bytes: int | None


class MissingMaterial(BaseModel):
    name_zh: str
    name_en: str
    kinds: list[str]


class ObjectionStaff(BaseModel):
    lodged_at: str
    lodged_by: str | None
    objector: str
    contact: str | None
    reason: str


class NoticeStaff(BaseModel):
    starts_at: str
    ends_at: str
    published_by: str | None
    objections: list[ObjectionStaff]


class CaseDetailStaff(CaseSummaryStaff):
    """A case for registrars: request, holders (names, ID numbers, shares), steps,
    documents, missing materials, the notice with its objections, allowed steps."""

    allowed_steps: list[str]
    holders: list[dict[str, Any]]
    current_holders: list[dict[str, Any]]
    missing_materials: list[MissingMaterial]
    notice: NoticeStaff | None
    request: dict[str, Any]
    note: str | None
    reason: str | None
    steps: list[CaseStepStaff]
    documents: list[CaseDocumentStaff]


class ParcelAsOf(BaseModel):
    version: int
    land_use: str | None
    land_use_name_zh: str
    land_use_name_en: str
    area_m2: str
    reg_status: str | None


class RestrictionStaff(BaseModel):
    uid: int
    type: str
    name_zh: str
    name_en: str
    party: str | None
    amount: str | None
    creditor: str | None
    term_end: str | None
    expires_at: str | None
    since: str


class UnitRegisterStaff(BaseModel):
    """The register of one unit as of a time: parcel, rights with holders, restrictions."""

    unit_code: str
    as_of: str
    unit_status: str
    parcel: ParcelAsOf | None
    rights: list[dict[str, Any]]
    restrictions: list[RestrictionStaff]


class UnitEventStaff(BaseModel):
    uid: int
    kind: str
    type: str | None
    share: str | None
    begin: str
    end: str | None
    expires_at: str | None
    case: str | None
    carried_from: list[Any]


class UnitHistoryStaff(BaseModel):
    unit_code: str
    events: list[UnitEventStaff]
