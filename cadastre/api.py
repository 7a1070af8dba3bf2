"""Cadastral registry endpoints under /api/v1 and registrars' maps."""

from __future__ import annotations

from fastapi import APIRouter

from cadastre.parcels.routes import parcels_router

router = APIRouter()
router.include_router(parcels_router)
