"""The one table from domain error categories to HTTP statuses, and the problem+json body."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from gis import errors as e

STATUS: list[tuple[type[e.LandgisError], int]] = [
    (e.InvalidInput, 422),
    (e.NotFound, 404),
    (e.Conflict, 409),
    (e.PreconditionFailed, 412),
    (e.PreconditionRequired, 428),
    (e.NotAuthenticated, 401),
    (e.PermissionDenied, 403),
    (e.PayloadTooLarge, 413),
    (e.UnsupportedFormat, 415),
    (e.TooManyRequests, 429),
    (e.Gone, 410),
]
PROBLEM = "application/problem+json"


def status_of(exc: e.LandgisError) -> int:
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 400


def problem(
    status: int,
    title: str,
    detail: str,
    instance: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        **{k: v for k, v in extra.items() if v is not None},
    }
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


async def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, e.LandgisError)
    headers = None
    if isinstance(exc, e.TooManyRequests):
        headers = {"Retry-After": str(exc.retry_after)}
    return problem(
        status_of(exc),
        exc.title,
        exc.detail,
        request.url.path,
        headers,
        field=exc.field,
        code=type(exc).__name__,
        **exc.extra,
    )


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": ".".join(str(p) for p in err["loc"] if p != "body"), "message": err["msg"]}
        for err in exc.errors()
    ]
    first = errors[0] if errors else {"field": None, "message": "invalid request"}
    return problem(
        422,
        "Invalid input",
        f"{first['field']}: {first['message']}",
        request.url.path,
        field=first["field"],
        errors=errors,
    )


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem(
        exc.status_code, _TITLES.get(exc.status_code, "Error"), str(exc.detail), request.url.path
    )


_TITLES = {
    404: "Not found",
    405: "Method not allowed",
    401: "Not authenticated",
    403: "Forbidden",
    413: "Payload too large",
    410: "Gone",
    429: "Too many requests",
}


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into application/problem+json."""
    app.add_exception_handler(e.LandgisError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
