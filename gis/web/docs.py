"""The API documentation pages, offline: ``/docs`` (Swagger UI, with the OAuth2
"Authorize" dialog for the password flow) and ``/redoc`` (ReDoc).

FastAPI's own pages load Swagger UI and ReDoc from a CDN, so they are blank on a bureau
network without internet. Here their scripts and styles come from this server, out of the
``fastapi-offline`` package (MIT; it ships Swagger UI, Apache-2.0, and ReDoc, MIT, as
published on npm) under ``/static/vendor/apidocs``; the pages are Jinja2 templates whose
start-up code is ``/static/swagger-init.js`` (no inline script).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse

from gis.web.templating import render_template

ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSETS_URL = "/static/vendor/apidocs"
DOCS_URL = "/docs"
REDOC_URL = "/redoc"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"

# Only this server: ReDoc's side menu shows a logo from the internet, which this keeps
# the browser from fetching; Swagger UI and ReDoc set inline styles; ReDoc's search
# runs in a worker made from a blob: URL.
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; "
    "connect-src 'self'; frame-ancestors 'self'"
)
HEADERS = {"Content-Security-Policy": DOCS_CSP}

router = APIRouter(include_in_schema=False)


def swagger_config(app: FastAPI) -> dict[str, Any]:
    """Swagger UI's options (read by ``swagger-init.js``): no online validator badge (it
    would call a server on the internet), the OAuth2 redirect on this server."""
    return {
        "url": app.openapi_url,
        "dom_id": "#swagger-ui",
        "layout": "BaseLayout",
        "deepLinking": True,
        "showExtensions": True,
        "showCommonExtensions": True,
        "validatorUrl": None,
        "oauth2RedirectUrl": OAUTH2_REDIRECT_URL,
        **(app.swagger_ui_parameters or {}),
    }


@router.get(DOCS_URL, response_class=HTMLResponse)
async def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI for the OpenAPI document; sign in with "Authorize" (user name, password)."""
    app: FastAPI = request.app
    html = render_template(
        "swagger.html",
        title=f"{app.title} API · Swagger UI",
        assets=ASSETS_URL,
        config=swagger_config(app),
        nav_current=DOCS_URL,
    )
    return HTMLResponse(html, headers=HEADERS)


@router.get(OAUTH2_REDIRECT_URL, response_class=HTMLResponse)
async def swagger_ui_redirect() -> HTMLResponse:
    """Where Swagger UI's OAuth2 redirect flows come back to (FastAPI's page)."""
    return get_swagger_ui_oauth2_redirect_html()


@router.get(REDOC_URL, response_class=HTMLResponse)
async def redoc(request: Request) -> HTMLResponse:
    """ReDoc for the OpenAPI document (no web fonts from the internet)."""
    app: FastAPI = request.app
    html = render_template(
        "redoc.html",
        title=f"{app.title} API · ReDoc",
        assets=ASSETS_URL,
        spec=app.openapi_url,
        nav_current=DOCS_URL,
    )
    return HTMLResponse(html, headers=HEADERS)


def install_docs(app: FastAPI) -> None:
    """Add /docs, /docs/oauth2-redirect and /redoc (make the app with ``docs_url=None,
    redoc_url=None``; the assets are mounted by :func:`gis.web.static.mount_static`)."""
    app.include_router(router)
