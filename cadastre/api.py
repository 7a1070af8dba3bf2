"""Cadastral registry endpoints under /api/v1 and registrars' maps."""

from __future__ import annotations

from fastapi import APIRouter

from cadastre.parcels.routes import parcels_router
from cadastre.registry import api as registry_api
from cadastre.registry import calendar_api, certificate_api, desk, notices_api, online_pages
from cadastre.registry import guide as registry_guide

router = APIRouter()
router.include_router(registry_api.router)
router.include_router(certificate_api.router)
router.include_router(registry_guide.router)
router.include_router(registry_guide.pages)
router.include_router(online_pages.pages)
router.include_router(calendar_api.router)
router.include_router(desk.pages)
router.include_router(notices_api.router)
router.include_router(notices_api.pages)
router.include_router(parcels_router)
