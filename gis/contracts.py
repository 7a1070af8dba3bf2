"""Shared pieces of the routes' OpenAPI contracts (issue 17, house style 11).

``problems()`` declares a route's own error answers (application/problem+json, the body
``landgis/errors.py`` writes; the app adds the generic ones every route may give), and
``json_or_csv()`` / ``file_answer()`` declare answers that are not one JSON model, so that
every route's success answer has a schema a client or a fuzzer can hold the server to.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from starlette.responses import JSONResponse  # = fastapi.responses.JSONResponse

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}  # added by landgis.app's openapi()


def problems(**described: str) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route's own errors: ``problems(s404="no such case")``.

    Keys are ``s`` + the status code (keyword names cannot start with a digit)."""
    out: dict[int | str, dict[str, Any]] = {}
    for key, description in described.items():
        status = int(key.removeprefix("s"))
        if not 400 <= status < 600:
            raise ValueError(f"{key}: a problem is a 4xx or 5xx answer")
        out[status] = {
            "description": description,
            "content": {"application/problem+json": {"schema": PROBLEM_REF}},
        }
    return out


def json_or_csv(model: Any, status: int = 200) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route answering ``model`` as JSON, or CSV with ``format=csv``."""
    return {
        status: {
            "model": model,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }


def file_answer(*media_types: str, status: int = 200) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route answering a file (PDF, GeoTIFF, a tile, ...)."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {
        status: {
            "description": "The file",
            "content": {media: dict(binary) for media in media_types},
        }
    }


class GeoJSONResponse(JSONResponse):
    """A JSON answer served as application/geo+json (RFC 7946); a route declaring
    ``response_class=GeoJSONResponse`` documents its model under that media type."""

    media_type = "application/geo+json"


def answers(model: Any, *also: str, status: int = 200) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route that builds its own Response (GeoJSON text from PostGIS,
    the bid hot path): the model is the contract, documented but not re-validated.
    ``also``: other media types it may answer instead (``text/html`` for an OGC page)."""
    answer: dict[str, Any] = {"model": model}
    if also:
        answer["content"] = {media: {"schema": {"type": "string"}} for media in also}
    return {status: answer}


class Coded(BaseModel):
    """A coded value with its Chinese and English names (land use, status, method...)."""

    code: str
    zh: str
    en: str


class Link(BaseModel):
    """A link of a paged or OGC answer (other members, like ``templated``, are kept)."""

    model_config = ConfigDict(extra="allow")

    rel: str
    href: str
    type: str | None = None
    title: str | None = None


class SchemaJSONResponse(JSONResponse):
    """A JSON Schema document (OGC queryables, sortables, returnables)."""

    media_type = "application/schema+json"
