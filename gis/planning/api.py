"""Planning endpoints under /api/v1/planning and the planners' map."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
