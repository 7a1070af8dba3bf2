"""OGC API Features endpoints under /ogc."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
