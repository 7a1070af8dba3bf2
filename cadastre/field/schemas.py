"""Request and response models of the field-package API (no personal data but the
package owner's user name, which the owner sees)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class CheckoutBody(BaseModel):
    """Exactly one of polygon, unit_codes, patch_ids."""

    polygon: dict[str, Any] | None = Field(None, description="GeoJSON Polygon, EPSG:4490 lon/lat")
    unit_codes: list[str] | None = Field(None, max_length=2000)
    patch_ids: list[int] | None = Field(None, max_length=2000)


class JobProgress(BaseModel):
    done: int
    total: int
    stage: str | None


class CheckoutJob(BaseModel):
    id: str
    kind: str
    status: str
    progress: JobProgress
    result: dict[str, Any] | None
    error: dict[str, Any] | None
    created_at: str | None


class Outcome(BaseModel):
    """One row's outcome in a sync report (reason in Chinese and English)."""

    layer: str
    key: str
    zh: str
    en: str
    conflict_id: int | None = None
    detail: list[dict[str, Any]] = Field(default_factory=list)


class SyncReport(BaseModel):
    package_id: str
    sync_id: int
    sha256: str
    applied: list[Outcome]
    conflicts: list[Outcome]
    refused: list[Outcome]
    already_synced: int
    summary_zh: str
    summary_en: str


class SyncSummary(BaseModel):
    """One check-in in the list of the field sync page: who, when, and its counts."""

    id: int
    package_id: str
    actor: str
    at: datetime
    applied: int
    conflicts: int
    refused: int
    summary_zh: str
    summary_en: str


class ConflictPublic(BaseModel):
    """A kept conflict: both versions (values and GeoJSON geometry) and its status."""

    id: int
    package_id: str
    layer: str
    key: str
    base_version: str
    mine: dict[str, Any]
    theirs: dict[str, Any]
    status: str
    resolved_by: str | None
    result: dict[str, Any]


class ObservationPublic(BaseModel):
    """A point observed in the field and kept at check-in; ``photo_url`` downloads its
    photo (as taken, EXIF kept) when it has one."""

    id: int
    row_key: str
    observer: str
    unit_code: str | None
    patch_id: int | None
    note: str
    taken_at: datetime | None
    lon: float
    lat: float
    photo_url: str | None


class Merged(BaseModel):
    """The version a registrar or inspector puts together by hand from both: a parcel's
    land use and boundary, or a patch's field check (status, note, whose photo)."""

    model_config = ConfigDict(extra="forbid")

    land_use: str | None = Field(None, max_length=4, description="parcels: GB/T 21010 class")
    geometry: dict[str, Any] | None = Field(
        None, description="parcels: the boundary, GeoJSON (Multi)Polygon, EPSG:4490 lon/lat"
    )
    status: str | None = Field(None, max_length=16, description="patches: field status")
    note: str | None = Field(None, max_length=2000, description="patches: what was found")
    photo: Literal["mine", "theirs"] | None = Field(None, description="patches: whose photo")


class ResolveBody(BaseModel):
    """take mine / take theirs, or merge with the hand-made version in ``merged``."""

    take: Literal["mine", "theirs", "merge"]
    merged: Merged | None = None
