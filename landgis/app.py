"""create_app(): wires every domain's routers, collections, the error table and static files."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager, suppress
from typing import Any

from fastapi import FastAPI

from cadastre import api as cadastre_api
from cadastre import maps as cadastre_maps
from cadastre.exchange import api as exchange_api
from gis import health
from gis.auth import api as auth_api
from gis.db import get_session
from gis.ogc import api as ogc_api
from gis.planning import api as planning_api
from gis.raster import api as raster_api
from gis.survey import api as survey_api
from gis.tiles import api as tiles_api
from gis.web.docs import install_docs
from gis.web.static import mount_static
from landgis import errors
from landgis.collections import register_all
from trading import api as trading_api
from trading import closer as trading_closer

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

# Coroutines each server process runs for as long as it serves (cancelled at shutdown).
BACKGROUND: list[Callable[[], Coroutine[Any, Any, None]]] = [trading_closer.run]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Run the BACKGROUND work while serving. An app whose sessions are overridden (the
    tests' rolled-back session) runs none: it would write around that session."""
    jobs = [] if get_session in app.dependency_overrides else BACKGROUND
    tasks: list[asyncio.Task[None]] = [asyncio.create_task(job()) for job in jobs]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with suppress(asyncio.CancelledError):
                await task


def create_app() -> FastAPI:
    """The landgis web application: /api/v1, /ogc, /maps, /health, /docs and the landing map."""
    register_all()
    app = FastAPI(
        title="landgis",
        version="0.1.0",
        description="Land-resources GIS: planning, cadastre, trading, GPS and remote sensing.",
        lifespan=lifespan,
        docs_url=None,  # /docs and /redoc: gis.web.docs, offline (no CDN)
        redoc_url=None,
    )
    install_docs(app)
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    mount_static(app)
    return app
