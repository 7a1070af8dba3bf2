"""Static files: the vendored Leaflet and jQuery (from xstatic packages), Swagger UI and
ReDoc (from fastapi-offline, for /docs and /redoc), and the house CSS and scripts."""

from __future__ import annotations

from pathlib import Path

import xstatic.pkg.jquery as xjquery
import xstatic.pkg.leaflet as xleaflet
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from gis.web.docs import ASSETS, ASSETS_URL

HERE = Path(__file__).parent / "static"


def mount_static(app: FastAPI) -> None:
    """Serve /static/vendor/leaflet, /static/vendor/jquery, /static/vendor/apidocs and
    /static/* (the more specific mounts first)."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="apidocs")
    app.mount("/static/vendor/leaflet", StaticFiles(directory=xleaflet.BASE_DIR), name="leaflet")
    app.mount("/static/vendor/jquery", StaticFiles(directory=xjquery.BASE_DIR), name="jquery")
    app.mount("/static", StaticFiles(directory=HERE), name="static")
