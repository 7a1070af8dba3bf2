"""Cadastral registry endpoints under /api/v1 and registrars' maps."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
