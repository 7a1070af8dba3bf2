"""Request and response shapes of the planning API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class ComplianceRequest(BaseModel):
    """A GeoJSON (Multi)Polygon in CRS84/EPSG:4490 lon/lat, or the unit code of a current parcel."""

    geometry: dict[str, Any] | None = None
    unit_code: str | None = Field(None, min_length=28, max_length=28)
    proposed_land_use: str = Field(..., min_length=2, max_length=4)
    edition_id: int | None = None


class BatchItem(BaseModel):
    id: str | None = Field(None, max_length=100, description="the caller's own label")
    geometry: dict[str, Any] | None = None
    unit_code: str | None = Field(None, min_length=28, max_length=28)
    proposed_land_use: str = Field(..., min_length=2, max_length=4)


class BatchRequest(BaseModel):
    items: list[BatchItem] = Field(..., min_length=1, max_length=1000)
    edition_id: int | None = None


class EditionCreate(BaseModel):
    """A new edition and its approval reference: number (文号), date and authority."""

    name: str = Field(..., min_length=1, max_length=200)
    approved_on: date
    document: str = Field("", max_length=300, description="approval number (批准文号)")
    approval_authority: str = Field("", max_length=200, description="approving authority")


class EditionPublic(BaseModel):
    id: int
    name: str
    approved_on: date
    document: str
    approval_authority: str = ""
    in_force: bool
    zones: dict[str, int] = Field(default_factory=dict)


class ActivationRequest(BaseModel):
    """Why the edition is put in force (journaled with who did it)."""

    reason: str = Field(..., min_length=1, max_length=1000)


class ActivationPublic(BaseModel):
    """One entry of the activation journal."""

    id: int
    edition_id: int
    previous_edition_id: int | None
    actor_name: str
    reason: str
    approval: dict[str, Any]
    zones: dict[str, int]
    activated_at: datetime


class ApprovalFile(BaseModel):
    edition_id: int
    file_sha256: str


class ImportResult(BaseModel):
    edition_id: int
    layer: str
    imported: int
    replaced: int


class PlanningLayer(BaseModel):
    """A planning layer's key with its Chinese and English names."""

    layer: str
    name_zh: str
    name_en: str


class EditionCreated(BaseModel):
    id: int


class ComplianceFinding(BaseModel):
    """A conflict or a warning: a stable code, Chinese and English messages, the area (m²)."""

    code: str
    message_zh: str
    message_en: str
    area_m2: float
    layer: str = ""
    zone_code: str = ""


class ZoneShare(BaseModel):
    """A plan zone the site falls in: the overlap in m² and its share of the site."""

    layer: str
    layer_zh: str
    layer_en: str
    code: str
    name: str | None = None
    area_m2: float
    share: float
    code_zh: str = ""
    code_en: str = ""


class ComplianceVerdict(BaseModel):
    """``compliant`` or ``conflict``, what is wrong, the zones touched, and the edition the
    site was judged against (always named, in force or chosen)."""

    verdict: str
    proposed_land_use: str
    proposed_zh: str
    proposed_en: str
    area_m2: float
    edition_id: int
    edition_name: str
    edition_in_force: bool
    conflicts: list[ComplianceFinding]
    warnings: list[ComplianceFinding]
    zones: list[ZoneShare]


class BatchVerdict(BaseModel):
    """One item of a batch: its ``id`` and either a verdict (the members of
    ComplianceVerdict) or ``verdict="error"`` with the ``field`` and ``detail`` at fault."""

    id: str
    verdict: str
    field: str | None = None
    detail: str | None = None
    proposed_land_use: str | None = None
    proposed_zh: str | None = None
    proposed_en: str | None = None
    area_m2: float | None = None
    edition_id: int | None = None
    edition_name: str | None = None
    edition_in_force: bool | None = None
    conflicts: list[ComplianceFinding] | None = None
    warnings: list[ComplianceFinding] | None = None
    zones: list[ZoneShare] | None = None


class ComplianceBatch(BaseModel):
    """Every item's verdict in order, and how many were compliant, in conflict, in error."""

    results: list[BatchVerdict]
    summary: dict[str, int]
