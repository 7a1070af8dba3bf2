"""create_app(): wires every domain's routers, the error table and the static files."""

from __future__ import annotations

from fastapi import FastAPI

from cadastre import maps as cadastre_maps
from gis import health
from gis.auth import api as auth_api
from gis.web.static import mount_static
from landgis import errors

ROUTERS = [
    health.router,
    auth_api.router,
    auth_api.users,
    cadastre_maps.router,
]


def create_app() -> FastAPI:
    """The landgis web application: /api/v1, /ogc, /maps, /health, /docs and the landing map."""
    app = FastAPI(
        title="landgis",
        version="0.1.0",
        description="Land-resources GIS: planning, cadastre, trading, GPS and remote sensing.",
    )
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    mount_static(app)
    return app
