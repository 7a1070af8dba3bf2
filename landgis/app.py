"""create_app(): wires every domain's routers, collections, the error table and static files."""

from __future__ import annotations

from fastapi import FastAPI

from cadastre import api as cadastre_api
from cadastre import maps as cadastre_maps
from cadastre.exchange import api as exchange_api
from gis import health
from gis.auth import api as auth_api
from gis.ogc import api as ogc_api
from gis.planning import api as planning_api
from gis.raster import api as raster_api
from gis.survey import api as survey_api
from gis.tiles import api as tiles_api
from gis.web.static import mount_static
from landgis import errors
from landgis.collections import register_all
from trading import api as trading_api

ROUTERS = [
    health.router,
    auth_api.router,
    auth_api.users,
    cadastre_maps.router,
    cadastre_api.router,
    exchange_api.router,
    planning_api.router,
    ogc_api.router,
    tiles_api.router,
    survey_api.router,
    raster_api.router,
    trading_api.router,
]


def create_app() -> FastAPI:
    """The landgis web application: /api/v1, /ogc, /maps, /health, /docs and the landing map."""
    register_all()
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
