"""All parcel routes (API and registrars' maps) as one router for cadastre/api.py."""

from __future__ import annotations

from fastapi import APIRouter

from cadastre.parcels.api import router as api_router
from cadastre.parcels.maps import router as maps_router
from cadastre.parcels.quality_page import router as quality_router

parcels_router = APIRouter()
parcels_router.include_router(api_router)
parcels_router.include_router(maps_router)
parcels_router.include_router(quality_router)
