"""All parcel routes (API and registrars' maps) as one router for cadastre/api.py."""

from __future__ import annotations

from fastapi import APIRouter

from cadastre.parcels import api, maps

parcels_router = APIRouter()
parcels_router.include_router(api.router)
parcels_router.include_router(maps.router)
