"""Land-trading endpoints under /api/v1 and the public auction map."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
