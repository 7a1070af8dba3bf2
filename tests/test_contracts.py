"""Typed contracts (issue 17, house style 11), read from the app's own OpenAPI:

- every JSON route declares a response schema (a pydantic model, or a list of them);
  the routes not yet typed are named in ``UNTYPED`` and the list may only shrink;
- no route a caller reaches without signing in has a personal field (a person's name,
  ID number, contact, address, account or party id, a staff username) anywhere in its
  response schema, except the few published by law, named with their reason;
- file, tile and page routes declare their media type instead of an empty JSON schema.

A personal field added to a public model, a public route answering a staff model, or a
new ``-> dict[str, Any]`` route fails here, before review.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from gis.auth.deps import current_principal
from landgis.app import create_app

# Property names that carry a person (or point at one) wherever they appear.
PERSONAL = {
    "id_number",
    "payer_id_number",
    "phone",
    "contact",
    "address",
    "email",
    "party_name",
    "party",
    "party_uid",
    "party_id",
    "user_id",
    "username",
    "buyer",
    "buyer_name",
    "holders",
    "current_holders",
    "objector",
    "creditor",
    "actor",
    "submitted_by",
    "added_by",
    "published_by",
    "lodged_by",
    "winner_registration_id",
    "registrations",
}
# ``name`` is personal only in a schema about a person (a holiday or a layer has a name too).
PERSON_SCHEMA = re.compile(r"Party|Holder|Member|Winner|Registration|User|Person|Bidder|Objection")

# (operation, schema, field): published on purpose, with the reason.
PUBLISHED = {
    # 成交公示: the result announcement names the buyer (国土资源部令第39号, article 22).
    ("GET /api/v1/trading/listings", "WinnerPublic", "name"),
    ("GET /api/v1/trading/listings/{listing_id}", "WinnerPublic", "name"),
    ("GET /api/v1/trading/records", "RecordPublic", "buyer"),
    # Routes open to anyone that add a staff field for a signed-in registrar only (the
    # anonymous answer leaves it out: tests/cadastre/parcels/test_reads.py proves it).
    ("GET /api/v1/parcels/{unit_code}/history", "ParcelEditLink", "actor"),
}

# JSON routes still answering untyped dicts: each one removed when it gets its model. The
# test fails when one listed here is typed (take it off the list) or a new one appears.
UNTYPED: set[str] = set()


def _needs_sign_in(d: Dependant) -> bool:
    return d.call is current_principal or any(_needs_sign_in(sub) for sub in d.dependencies)


def _routes(app: FastAPI) -> Iterator[APIRoute]:
    flat: Any = list
    try:  # FastAPI >= 0.16x nests included routers
        from fastapi.routing import _iter_included_route_candidates

        flat = _iter_included_route_candidates
    except ImportError:  # pragma: no cover - older FastAPI lists every route
        pass
    yield from (r for r in flat(app.routes) if isinstance(r, APIRoute))


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return create_app()


@pytest.fixture(scope="module")
def spec(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


@pytest.fixture(scope="module")
def public_ops(app: FastAPI) -> set[str]:
    """'METHOD /path' of the operations anyone may call without a token."""
    return {
        f"{m} {r.path}"
        for r in _routes(app)
        if r.include_in_schema and not _needs_sign_in(r.dependant)
        for m in r.methods or ()
    }


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and "responses" in op:
                yield f"{method.upper()} {path}", op


def _success_content(op: dict[str, Any]) -> dict[str, Any]:
    content: dict[str, Any] = {}
    for status, answer in op["responses"].items():
        if status.startswith("2"):
            content.update(answer.get("content", {}))
    return content


def _typed(schema: dict[str, Any]) -> bool:
    """A named model, a list of them, or a choice between them (null allowed)."""
    if "$ref" in schema:
        return True
    if schema.get("type") == "array":
        return _typed(schema.get("items", {}))
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return all(_typed(s) or s.get("type") == "null" for s in schema[key])
    return False


def _untyped(spec: dict[str, Any]) -> set[str]:
    out = set()
    for name, op in _operations(spec):
        for media, answer in _success_content(op).items():
            schema = answer.get("schema", {})
            if schema.get("format") == "binary":
                continue  # a file (a GeoJSON export among others), declared as such
            if "json" in media and not _typed(schema):
                out.add(name)
    return out


def _fields(
    spec: dict[str, Any], schema: dict[str, Any], owner: str, seen: set[str]
) -> Iterator[tuple[str, str]]:
    """(schema name, property name) of every property reachable from ``schema``."""
    ref = schema.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        if name not in seen:
            seen.add(name)
            yield from _fields(spec, spec["components"]["schemas"][name], name, seen)
        return
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            yield from _fields(spec, sub, owner, seen)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from _fields(spec, schema[key], owner, seen)
    for prop, sub in schema.get("properties", {}).items():
        yield owner, prop
        yield from _fields(spec, sub, owner, seen)


def _personal(owner: str, prop: str) -> bool:
    return prop in PERSONAL or (prop == "name" and bool(PERSON_SCHEMA.search(owner)))


def test_no_public_route_reaches_a_personal_field(
    spec: dict[str, Any], public_ops: set[str]
) -> None:
    found = []
    for name, op in _operations(spec):
        if name not in public_ops:
            continue
        for answer in _success_content(op).values():
            for owner, prop in _fields(spec, answer.get("schema", {}), "(inline)", set()):
                if _personal(owner, prop) and (name, owner, prop) not in PUBLISHED:
                    found.append(f"{name}: {owner}.{prop}")
    assert not found, "public routes answering personal fields:\n" + "\n".join(sorted(found))


def test_published_exceptions_are_still_needed(spec: dict[str, Any], public_ops: set[str]) -> None:
    """Every exception names a public operation that still reaches that field."""
    reached = set()
    for name, op in _operations(spec):
        for answer in _success_content(op).values():
            for owner, prop in _fields(spec, answer.get("schema", {}), "(inline)", set()):
                reached.add((name, owner, prop))
    stale = {e for e in PUBLISHED if e not in reached or e[0] not in public_ops}
    assert not stale, f"remove these from PUBLISHED: {sorted(stale)}"


def test_every_json_route_declares_its_model(spec: dict[str, Any]) -> None:
    untyped = _untyped(spec)
    new = sorted(untyped - UNTYPED)
    typed_now = sorted(UNTYPED - untyped)
    assert not new, "JSON routes without a response model (declare one):\n" + "\n".join(new)
    assert not typed_now, "typed now, take them off UNTYPED:\n" + "\n".join(typed_now)


def test_every_route_declares_what_it_answers(spec: dict[str, Any]) -> None:
    """A success answer names its media type (JSON model, file, page) or is empty (204,
    or 201 whose Location names what was made)."""
    silent = []
    for name, op in _operations(spec):
        codes = [s for s in op["responses"] if s.startswith("2")]
        content = _success_content(op)
        if codes and not content and not set(codes) <= {"201", "204"}:  # 201: Location
            silent.append(name)
    assert not silent, "routes that do not say what they answer:\n" + "\n".join(sorted(silent))


def test_public_personal_field_is_caught() -> None:
    """The walker finds a personal field behind $ref, list and anyOf (the rule can fail)."""
    spec = {
        "components": {
            "schemas": {
                "Outer": {
                    "properties": {
                        "items": {"type": "array", "items": {"$ref": "#/components/schemas/P"}}
                    }
                },
                "P": {"properties": {"who": {"anyOf": [{"$ref": "#/components/schemas/Party"}]}}},
                "Party": {"properties": {"name": {"type": "string"}}},
            }
        }
    }
    fields = set(_fields(spec, {"$ref": "#/components/schemas/Outer"}, "(inline)", set()))
    assert ("Party", "name") in fields and _personal("Party", "name")
    assert not _personal("CalendarDayPublic", "name")


def test_a_route_declares_its_own_problems(spec: dict[str, Any]) -> None:
    """``gis.contracts.problems`` puts a route's own errors in its contract as problem+json."""
    answers = spec["paths"]["/api/v1/trading/listings/{listing_id}/bids"]["post"]["responses"]
    assert answers["409"]["description"].startswith("出价过低")
    assert "application/problem+json" in answers["409"]["content"]
    assert answers["201"]["content"]["application/json"]["schema"]["$ref"].endswith("BidPlaced")


def test_no_route_is_hidden_behind_an_earlier_one(app: FastAPI) -> None:
    """Routes are tried in order (landgis.app.ROUTERS puts the tiles and features first,
    the map's hot paths): for every route, a path it serves (each parameter filled) is
    matched by that route, not by one of an earlier router, e.g. ``/api/v1/parcels/export``
    behind ``/api/v1/parcels/{unit_code}``."""
    routes = list(_routes(app))
    hidden = []
    for r in routes:
        path = re.sub(r"\{[^}:]+(:path)?\}", "7", r.path)
        for method in r.methods or ():
            first = next(
                x for x in routes if method in (x.methods or ()) and x.path_regex.match(path)
            )
            if first is not r:
                hidden.append(f"{method} {r.path} <- {first.path}")
    assert len(routes) > 150 and not hidden, hidden
    # and it would be seen: a literal path after a parameter one of the same shape
    later = APIRoute("/ogc/collections/export", endpoint=lambda: None, methods=["GET"])
    shadow = next(
        x for x in [*routes, later] if "GET" in (x.methods or ()) and x.path_regex.match(later.path)
    )
    assert shadow is not later and shadow.path == "/ogc/collections/{collection_id}"
