"""Response models of the cadastre's bulk import and export API (issue 17)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class JobProgress(BaseModel):
    done: int | None
    total: int | None
    stage: str | None


class ExchangeJob(BaseModel):
    """An import or export job as its owner (or an admin) sees it."""

    id: str
    kind: str
    status: str
    progress: JobProgress
    result: dict[str, Any] | None
    error: dict[str, Any] | None
    created_at: str | None


class CaseFromSurveyOpened(BaseModel):
    """The registration case opened from a survey."""

    case_number: str
    case_type: str
    survey_id: int
    unit_code: str | None
    verdict: str | None
