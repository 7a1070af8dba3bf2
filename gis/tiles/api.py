"""OGC API Tiles, XYZ vector tiles and TileJSON."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
