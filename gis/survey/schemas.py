"""Response models of the survey API (staff views: every survey read needs a staff token).

``uploaded_by`` is the uploading account, filled for the uploader and admins only.
Nested report parts (points, checks, findings, comparison) stay open dicts: their keys
are documented in gis.survey.report, gis.survey.boundary and gis.survey.checks.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field


class SurveyRecord(BaseModel):
    """测量成果: one uploaded survey file and what was read from it."""

    id: int
    surveyor: str = Field(description="who surveyed (staff readers only)")
    instrument: str
    survey_date: date | None
    uploaded_by: str | None = Field(
        description="the uploading account: shown to that account and to admins, else null"
    )
    source_format: str
    source_crs: str
    file_name: str
    sha256: str
    size_bytes: int
    unit_code: str | None
    summary: dict[str, Any]


class SurveyPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[SurveyRecord]


class SurveyReport(BaseModel):
    """The survey with its boundary points, problems, findings and the register comparison."""

    survey: SurveyRecord
    boundary_points: list[dict[str, Any]]
    boundary_checks: dict[str, Any] | None
    findings: list[dict[str, Any]]
    registered_parcel: dict[str, Any] | None
    comparison: dict[str, Any] | None
    inside_district: bool | None
    verdict: str
    verdict_zh: str
    verdict_en: str


class SurveyFeatures(BaseModel):
    """GeoJSON (EPSG:4490 lon/lat) of a survey: boundary, registered parcel, tracks, points."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[dict[str, Any]]
    bbox: list[float] | None
