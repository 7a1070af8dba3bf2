"""create_app(): wires every domain's routers, collections, the error table and static files."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager, suppress
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cadastre import api as cadastre_api
from cadastre import maps as cadastre_maps
from cadastre import overview as parcel_overview
from cadastre.exchange import api as exchange_api
from cadastre.field import api as field_api
from cadastre.field import pages as field_pages
from cadastre.parcels import quality_state
from cadastre.survey_port import CadastreParcelLookup
from gis import health, reference_api
from gis.auth import api as auth_api
from gis.auth.identity import AuthCache
from gis.db import Database, get_session
from gis.drain import drain_on_sigterm
from gis.edge import EdgeMiddleware
from gis.limits import install_statement_timeout
from gis.ogc import api as ogc_api
from gis.planning import api as planning_api
from gis.raster import api as raster_api
from gis.replica import ReadHeaderMiddleware
from gis.settings import get_settings
from gis.survey import api as survey_api
from gis.tiles import api as tiles_api
from gis.tiles import freshness
from gis.web.docs import install_docs
from gis.web.static import mount_static
from landgis import errors
from landgis.collections import build_catalog
from landgis.navigation import parcel_links, register_navigation
from landgis.roles import build_roles
from landgis.settings import check_environment
from trading import api as trading_api
from trading import closer as trading_closer
from trading import live_bids
from trading.monitoring import api as monitoring_api
from trading.monitoring import pages as monitoring_pages
from trading.monitoring import watch as monitoring_watch

# Routes are matched in this order, one by one: the map's hot paths (a page of the city map
# asks for dozens of tiles at once) come first, so a tile request is not first tried
# against the ~130 routes of the other domains (0.4 ms of a cold tile's ~13 ms). No path
# of the later routers is matched by theirs (tests/test_contracts.py checks).
ROUTERS = [
    tiles_api.router,
    ogc_api.router,
    health.router,
    reference_api.router,
    auth_api.router,
    auth_api.users,
    cadastre_maps.router,
    cadastre_api.router,
    exchange_api.router,
    field_api.router,
    field_pages.pages,
    planning_api.router,
    survey_api.router,
    raster_api.router,
    trading_api.router,
    monitoring_api.router,  # 批后监管 (trading.monitoring)
    monitoring_pages.router,
]

# Coroutines each server process runs for as long as it serves, on the app's database
# (cancelled at shutdown).
BACKGROUND: list[Callable[[Database], Coroutine[Any, Any, None]]] = [
    trading_closer.run,
    parcel_overview.run,
    quality_state.run,  # the kept quality state, so the bureau-wide report is a read
    monitoring_watch.run,  # 批后监管: new scenes update the sold parcels' statuses
]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Run the BACKGROUND work while serving; dispose of the app's engines at shutdown. An
    app whose sessions are overridden (the tests' rolled-back session) runs none: it would
    write around that session."""
    jobs = [] if get_session in app.dependency_overrides else BACKGROUND
    database: Database = app.state.database
    tasks: list[asyncio.Task[None]] = [asyncio.create_task(job(database)) for job in jobs]
    app.state.bid_connections = live_bids.BidConnections(database)  # app state (issue 17)
    undrain = drain_on_sigterm(app.state, get_settings().drain_s)  # behind a balancer
    try:
        yield
    finally:
        undrain()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with suppress(asyncio.CancelledError):
                await task
        await app.state.bid_connections.close()
        database.dispose()


def create_app() -> FastAPI:
    """The landgis web application: /api/v1, /ogc, /maps, /health, /docs and the landing map."""
    check_environment()  # a LANDGIS_ name no settings model reads is a typo
    register_navigation()
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
    app.state.database = Database()  # gis.db.get_session / app_database: this app's engines
    app.state.health = health.Probes(app.state.database)  # /health: one probe per loop
    app.state.freshness = freshness.Freshness(app.state.database)  # tiles' change-log checks
    app.state.auth_cache = AuthCache()  # gis.auth.deps.get_auth_cache: tokens, user states
    app.state.roles = build_roles()  # gis.auth.deps.get_roles: the platform's and trading's
    app.state.catalog = build_catalog()  # gis.collections.get_catalog: collections, approvals
    app.state.parcel_lookup = CadastreParcelLookup()  # gis.survey.ports.ParcelLookup
    app.state.parcel_links = parcel_links()  # cadastre.parcels.links: popups' listing links
    for router in ROUTERS:
        app.include_router(router)
    mount_static(app)
    install_limits(app)
    return app


# --- limits: the edge, security headers and the OpenAPI's shared problem responses -------

# Map pages are folium documents: inline scripts and styles, Leaflet and jQuery from
# /static, tiles and data from this server; nothing is loaded from elsewhere. Scripts
# need 'unsafe-inline' (folium) and 'unsafe-eval' (the browser tests' wait_for_function
# evaluates strings in the page); every source stays 'self'.
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'self'; base-uri 'self'; form-action 'self'; object-src 'none'"
)
HTML_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"SAMEORIGIN"),
]
NOSNIFF = (b"x-content-type-options", b"nosniff")


class SecurityHeaders:
    """X-Content-Type-Options on every response; CSP and X-Frame-Options on HTML pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                ctype = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                headers.append(NOSNIFF)
                if ctype.startswith(b"text/html"):
                    headers.extend(HTML_HEADERS)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }


PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "field": {"type": ["string", "null"]},
    },
    "required": ["title", "status", "detail"],
}
# Every operation may answer these (edge limits, bad input, missing things, load).
EVERY = {
    "400": "Malformed request",
    "404": "Not found",
    "413": "Body over the route's limit",
    "422": "Invalid input",
    "429": "Too many requests (Retry-After)",
    "503": "Statement timeout or renderer busy (Retry-After)",
}
SECURED = {"401": "Not authenticated", "403": "Forbidden for this role or territory"}
WRITES = {
    "409": "Conflicts with the current state",
    "412": "If-Match version is stale",
    "428": "If-Match required",
}


def _openapi_with_problems(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """The generated OpenAPI plus, for every operation, the problem responses of its
    security class (a contract schemathesis checks); routers declare none of these."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = FastAPI.openapi(app)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        for item in schema.get("paths", {}).values():
            for method, op in item.items():
                if not isinstance(op, dict) or "responses" not in op:
                    continue
                extra = dict(EVERY)
                extra.update(SECURED)  # an invalid token is a 401 even where none is needed
                if method in ("post", "put", "patch", "delete"):
                    extra.update(WRITES)
                for status, description in extra.items():
                    op["responses"].setdefault(status, _problem(description))
        app.openapi_schema = schema
        return schema

    return openapi


def _token_routes(app: FastAPI) -> list[tuple[frozenset[str], re.Pattern[str]]]:
    """(methods, path pattern) of the routes that need a signed-in caller: an anonymous
    upload to them is a 401 before its body is read, not a 413."""
    from fastapi.dependencies.models import Dependant
    from fastapi.routing import APIRoute

    flat: Callable[[Any], Any] = list  # older FastAPI lists every route
    with suppress(ImportError):  # FastAPI >= 0.16x nests included routers; flatten them
        from fastapi.routing import _iter_included_route_candidates

        flat = _iter_included_route_candidates

    from gis.auth.deps import current_principal

    def needs(d: Dependant) -> bool:
        return d.call is current_principal or any(needs(sub) for sub in d.dependencies)

    return [
        (frozenset(r.methods or ()), r.path_regex)
        for r in flat(app.routes)
        if isinstance(r, APIRoute) and needs(r.dependant)
    ]


def install_limits(app: FastAPI) -> None:
    """The edge (gis.edge: body limits, rate limits, text checks, statement timeouts),
    security headers and the OpenAPI's problem responses."""
    install_statement_timeout()
    app.add_middleware(EdgeMiddleware, token_routes=_token_routes(app))
    app.add_middleware(SecurityHeaders)
    app.add_middleware(ReadHeaderMiddleware)  # X-Landgis-Read: replica|primary (#15)
    app.openapi = _openapi_with_problems(app)  # type: ignore[method-assign]
