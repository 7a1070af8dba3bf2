"""A restricted collection needs a token with a reading role; the public never sees it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from gis.collections import Collection

SECRET = Collection(
    id="test_restricted_zones",
    title="restricted",
    description="a restricted copy of the zoning layer, for this test only",
    table="plan_zone",
    properties={"code": "string"},
    public=False,
    read_roles=frozenset({"planner"}),
)


@pytest.fixture
def restricted(client: TestClient) -> Iterator[Collection]:
    app = client.app  # type: ignore[attr-defined]
    app.state.catalog = app.state.catalog.extended([SECRET])  # this test's app only
    yield SECRET


def test_restricted_collection_needs_a_reading_role(
    client: TestClient, auth: Callable[[str], dict[str, str]], restricted: Collection
) -> None:
    url = f"/ogc/collections/{restricted.id}/items"
    anonymous = {c["id"] for c in client.get("/ogc/collections").json()["collections"]}
    assert restricted.id not in anonymous
    r = client.get(url)
    assert r.status_code == 401 and r.json()["field"] == "Authorization"
    assert client.get(url, headers=auth("bidder")).status_code == 403
    ok = client.get(url, headers=auth("planner"))
    assert ok.status_code == 200 and ok.json()["features"]
    listed = client.get("/ogc/collections", headers=auth("planner")).json()["collections"]
    assert restricted.id in {c["id"] for c in listed}
