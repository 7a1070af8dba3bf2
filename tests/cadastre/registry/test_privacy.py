"""Privacy: no public endpoint or page shows names or ID numbers of natural persons."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.cadastre.registry.conftest import PERSONAL
from tests.cadastre.registry.helpers import run_case

PARAM = re.compile(r"{(\w+)(?::\w+)?}")


def _fill(path: str, values: dict[str, str]) -> str | None:
    names = PARAM.findall(path)
    if not all(n in values for n in names):
        return None
    return PARAM.sub(lambda m: values[m.group(1)], path)


def _page_paths(routes: list[Any]) -> set[str]:
    """Paths of routes hidden from the OpenAPI document (map pages), walking included routers."""
    out: set[str] = set()
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            out |= _page_paths(inner.routes)
        elif isinstance(route, APIRoute) and "GET" in route.methods and route.path != "/docs":
            out.add(route.path)
    return out


def _public_gets(client: TestClient, values: dict[str, str]) -> list[str]:
    """Every GET route (API and pages) whose path parameters we can fill, as concrete URLs."""
    app: Any = client.app
    paths = {p for p, ops in app.openapi()["paths"].items() if "get" in ops}
    paths |= {p for p in _page_paths(app.routes) if p == "/" or p.startswith("/maps")}
    urls = [_fill(p, values) for p in sorted(paths)]
    return [u for u in urls if u is not None]


def test_no_public_endpoint_shows_personal_data(
    client: TestClient,
    db: Session,
    auth: Any,
    unit_codes: list[str],
    holders: list[dict[str, Any]],
) -> None:
    code = unit_codes[0]
    number = run_case(db, "first_registration", unit_code=code, holders=holders, through="issue")
    run_case(db, "objection", unit_code=code, holders=[dict(holders[0], share=None)])
    online = client.post(
        "/api/v1/cases/online",
        data={
            "case_type": "advance_notice",
            "unit_code": code,
            "holders": json.dumps([dict(holders[1], share=None)]),
        },
    )
    assert online.status_code == 201
    values = {
        "public_number": number,
        "unit_code": code,
        "code": "transfer",
        "collection_id": "parcels",
    }
    urls = _public_gets(client, values)
    assert f"/api/v1/cases/{number}" in urls and "/maps/services" in urls
    checked = 0
    # others' pages may fail while being built; a 500 shows no data, so keep going
    anonymous = TestClient(client.app, raise_server_exceptions=False)
    for url in urls:
        r = anonymous.get(url)
        if r.status_code in (401, 403):
            continue
        checked += 1
        for secret in PERSONAL:
            assert secret not in r.text, f"{url} shows {secret}"
    assert checked >= 8
    # the registrar sees them where the work needs them
    register = client.get(f"/api/v1/units/{code}/register", headers=auth("registrar")).text
    assert holders[0]["name"] in register and holders[0]["id_number"] in register
    assert client.get(f"/api/v1/units/{code}/register").status_code == 401
    assert client.get(f"/api/v1/cases/{number}/certificate").status_code == 401
    assert client.get(f"/api/v1/cases/{number}/detail").status_code == 401
