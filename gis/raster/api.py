"""Raster catalogue, raster tiles and change detection endpoints."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
