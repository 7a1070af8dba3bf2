"""Survey upload and report endpoints under /api/v1/surveys."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
