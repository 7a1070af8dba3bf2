"""Request and response shapes of the planning API."""

from __future__ import annotations

from datetime import date
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
    name: str = Field(..., min_length=1, max_length=200)
    approved_on: date
    document: str = Field("", max_length=300)


class EditionPublic(BaseModel):
    id: int
    name: str
    approved_on: date
    document: str
    in_force: bool
    zones: dict[str, int] = Field(default_factory=dict)


class ImportResult(BaseModel):
    edition_id: int
    layer: str
    imported: int
    replaced: int
