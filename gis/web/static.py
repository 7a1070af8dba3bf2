"""Static files: the vendored Leaflet and jQuery (from xstatic packages) and the house CSS."""

from __future__ import annotations

from pathlib import Path

import xstatic.pkg.jquery as xjquery
import xstatic.pkg.leaflet as xleaflet
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

HERE = Path(__file__).parent / "static"


def mount_static(app: FastAPI) -> None:
    """Serve /static/vendor/leaflet, /static/vendor/jquery and /static/*."""
    app.mount("/static/vendor/leaflet", StaticFiles(directory=xleaflet.BASE_DIR), name="leaflet")
    app.mount("/static/vendor/jquery", StaticFiles(directory=xjquery.BASE_DIR), name="jquery")
    app.mount("/static", StaticFiles(directory=HERE), name="static")
