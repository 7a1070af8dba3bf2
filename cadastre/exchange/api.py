"""Bulk parcel import and export jobs under /api/v1/cadastre."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
