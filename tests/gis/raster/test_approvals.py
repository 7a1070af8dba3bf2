"""Approval sources: every registered one runs against the schema, and a new source
that covers a patch turns its verdict from suspected illegal use into approved."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.raster import approvals, overlay
from tests.gis.raster.conftest import PIXEL_M, Site
from tests.gis.raster.test_changes import import_path, run

Headers = Callable[[str], dict[str, str]]


def test_registered_sources_query_the_schema(client: TestClient, db: Session) -> None:
    sources = client.app.state.catalog.approvals  # type: ignore[attr-defined]
    names = {s.name for s in sources}
    assert {"cadastre.registered_parcels", "trading.land_supply_records"} <= names
    for source in sources:
        row = db.execute(text(f"SELECT * FROM ({source.sql}) s LIMIT 1")).mappings().first()
        keys = set(row.keys()) if row is not None else set()
        assert row is None or {"ref", "label", "approved", "geom"} <= keys, source.name
    count = db.execute(
        text(f"SELECT count(*) FROM ({sources[0].sql}) s WHERE approved")
    ).scalar_one()
    assert count > 0  # the demo district has registered construction land


def test_a_new_approval_source_explains_the_patch(
    client: TestClient,
    auth: Headers,
    site: Site,
    image_pair,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    row, col, size = site.illegal
    x0, y1 = site.origin[0] + col * PIXEL_M, site.origin[1] - row * PIXEL_M
    x1, y0 = x0 + size * PIXEL_M, y1 - size * PIXEL_M
    permit = approvals.ApprovalSource(
        name="test.permits",
        title_zh="临时用地批复",
        title_en="temporary land-use permits",
        sql=(
            "SELECT 'LS-2026-001' AS ref, '0601' AS label, true AS approved, "
            f"ST_Transform(ST_MakeEnvelope({x0}, {y0}, {x1}, {y1}, 4547), 4490) AS geom"
        ),
    )
    app = client.app  # type: ignore[attr-defined]
    app.state.catalog = app.state.catalog.extended(approvals=[permit])  # this app only
    before, after = image_pair()
    a, b = import_path(client, auth, before), import_path(client, auth, after)
    resp = run(client, auth, a, b)
    assert resp.status_code == 201, resp.text
    verdicts = [f["properties"]["verdict"] for f in resp.json()["patches"]["features"]]
    assert verdicts == ["approved", "approved"]
    farm = next(
        f["properties"]
        for f in resp.json()["patches"]["features"]
        if f["properties"]["in_farmland"]
        and any(p["source"] == "test.permits" for p in f["properties"]["parcels"])
    )
    assert farm["approved_ratio"] == pytest.approx(1.0, abs=0.01)


def test_verdict_rule() -> None:
    assert overlay.verdict(100.0, 50.0) == "approved"
    assert overlay.verdict(100.0, 49.9) == "suspected_illegal"
    assert overlay.verdict(0.0, 0.0) == "suspected_illegal"
