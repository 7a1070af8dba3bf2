"""Listings through the API: drafting, publication checks, and the secret reserve price."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from cadastre import handoff
from cadastre.registry import service as registry
from tests.trading.conftest import published, terms

URL = "/api/v1/trading/listings"


def count(db: Session, table: str, where: str = "TRUE") -> int:
    return int(db.execute(text(f"SELECT count(*) FROM {table} WHERE {where}")).scalar_one())


def problem(resp: Any, status: int, field: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = resp.json()
    assert body["field"] == field, body
    return body


def test_draft_publish_and_public_view_hides_reserve(client, db, person, free_parcels) -> None:  # type: ignore[no-untyped-def]
    registrar = person("registrar", "reg")
    (code, land_use), (code2, _) = free_parcels[0], free_parcels[1]
    body = terms([code, code2], land_use, opens_in=timedelta(days=22), announced_days_before=22)
    resp = client.post(URL, json=body, headers=registrar.headers)
    assert resp.status_code == 201, resp.text
    draft = resp.json()
    assert draft["status"]["code"] == "draft" and draft["reserve_price"] == "1050000.00"
    assert {p["unit_code"] for p in draft["parcels"]} == {code, code2}
    assert client.get(f"{URL}/{draft['id']}").status_code == 404  # drafts are not public
    resp = client.post(f"{URL}/{draft['id']}/publish", headers=registrar.headers)
    assert resp.status_code == 200, resp.text
    public = client.get(f"{URL}/{draft['id']}").json()
    assert public["phase"]["code"] == "upcoming" and public["method"]["zh"] == "挂牌"
    assert "reserve_price" not in public and "1050000" not in str(public)
    assert public["start_price"] == "1000000.00" and public["next_minimum"] == "1000000.00"
    listed = client.get(URL).json()
    assert any(x["id"] == draft["id"] for x in listed) and "1050000" not in str(listed)
    assert client.get(f"{URL}/{draft['id']}/staff").status_code == 401


def test_publish_refuses_short_announcement(client, db, person, free_parcels) -> None:  # type: ignore[no-untyped-def]
    registrar = person("registrar", "reg")
    code, land_use = free_parcels[2]
    body = terms([code], land_use, opens_in=timedelta(days=19), announced_days_before=19)
    listing_id = client.post(URL, json=body, headers=registrar.headers).json()["id"]
    resp = client.post(f"{URL}/{listing_id}/publish", headers=registrar.headers)
    assert "at least 20" in problem(resp, 422, "announcement_date")["detail"]
    assert count(db, "trading_listing", f"id = {listing_id} AND status = 'draft'") == 1


def test_publish_refuses_short_listing_window(client, db, person, free_parcels) -> None:  # type: ignore[no-untyped-def]
    registrar = person("registrar", "reg")
    code, land_use = free_parcels[2]
    body = terms(
        [code],
        land_use,
        opens_in=timedelta(days=25),
        announced_days_before=25,
        runs=timedelta(days=9),
    )
    listing_id = client.post(URL, json=body, headers=registrar.headers).json()["id"]
    problem(client.post(f"{URL}/{listing_id}/publish", headers=registrar.headers), 422, "bid_end")
    assert count(db, "trading_listing", f"id = {listing_id} AND status = 'draft'") == 1


def test_publish_refuses_non_compliant_parcel(client, db, person) -> None:  # type: ignore[no-untyped-def]
    registrar = person("registrar", "reg")
    # Construction on a parcel the plan keeps for agriculture: find one that conflicts.
    from shapely import wkb

    from gis.planning import compliance

    rows = db.execute(
        text(
            "SELECT p.unit_code, ST_AsBinary(p.geom) FROM parcel p JOIN plan_zone z "
            "ON z.layer = 'farmland' AND ST_Intersects(p.geom, z.geom) "
            "WHERE p.end_lifespan IS NULL ORDER BY p.id LIMIT 20"
        )
    ).all()
    code = next(
        c
        for c, g in rows
        if compliance.check(db, wkb.loads(bytes(g)), "0701").verdict == "conflict"
    )
    body = terms([code], "0701", opens_in=timedelta(days=25), announced_days_before=25)
    listing_id = client.post(URL, json=body, headers=registrar.headers).json()["id"]
    resp = client.post(f"{URL}/{listing_id}/publish", headers=registrar.headers)
    assert problem(resp, 409, "unit_codes")["code"] == "PlanConflict"
    assert count(db, "trading_listing", f"id = {listing_id} AND status = 'draft'") == 1


def _seize(db: Session, unit_code: str) -> None:
    number = handoff.open_case(
        db,
        case_type="seizure",
        unit_code=unit_code,
        source={"kind": "court_order", "title": "（2026）粤1971执保123号"},
        submitted_by="court-clerk",
    )
    # four eyes: the registrar who reviews does not enter
    for step, actor in (("accept", "reg"), ("review", "reg-2"), ("enter", "reg")):
        registry.take_step(db, number, step, actor=actor, role="registrar")
    db.flush()


def test_publish_refuses_seized_parcel(client, db, person, free_parcels) -> None:  # type: ignore[no-untyped-def]
    registrar = person("registrar", "reg")
    code, land_use = free_parcels[3]
    _seize(db, code)
    assert "seizure" in handoff.unit_restrictions(db, code)
    body = terms([code], land_use, opens_in=timedelta(days=25), announced_days_before=25)
    listing_id = client.post(URL, json=body, headers=registrar.headers).json()["id"]
    resp = client.post(f"{URL}/{listing_id}/publish", headers=registrar.headers)
    assert "seized" in problem(resp, 409, "unit_codes")["detail"]
    assert count(db, "trading_listing", f"id = {listing_id} AND status = 'draft'") == 1


def test_parcel_cannot_be_offered_twice(client, db, person, free_parcels) -> None:  # type: ignore[no-untyped-def]
    registrar = person("registrar", "reg")
    code, land_use = free_parcels[4]
    published(db, registrar.principal, terms([code], land_use))
    body = terms([code], land_use, opens_in=timedelta(days=25), announced_days_before=25)
    listing_id = client.post(URL, json=body, headers=registrar.headers).json()["id"]
    resp = client.post(f"{URL}/{listing_id}/publish", headers=registrar.headers)
    assert "another listing" in problem(resp, 409, "unit_codes")["detail"]


def test_bad_terms_are_refused_and_nothing_stored(client, db, person, free_parcels) -> None:  # type: ignore[no-untyped-def]
    registrar = person("registrar", "reg")
    code, land_use = free_parcels[5]
    before = count(db, "trading_listing")
    cases = [
        ({"start_price": "-5.00"}, "start_price"),
        ({"start_price": "abc"}, "start_price"),
        ({"start_price": 1000000.005}, "start_price"),
        ({"reserve_price": "1e400"}, "reserve_price"),
        ({"deposit": True}, "deposit"),
        ({"land_use": "0101"}, "land_use"),
        ({"far_max": "0.50"}, "far_max"),
        ({"unit_codes": ["441900001001JA00001"]}, "unit_codes"),
        ({"unit_codes": ["441900999999GB99999W00000000"]}, "unit_codes"),
        ({"method": "lottery"}, "method"),
    ]
    for change, field in cases:
        resp = client.post(
            URL, json={**terms([code], land_use), **change}, headers=registrar.headers
        )
        assert resp.status_code == 422 or resp.status_code == 409, (change, resp.text)
        assert resp.headers["content-type"].startswith("application/problem+json")
        assert resp.json()["field"].startswith(field), (change, resp.json())
    assert count(db, "trading_listing") == before


def test_whole_fen_float_is_accepted(client, person, free_parcels) -> None:  # type: ignore[no-untyped-def]
    registrar = person("registrar", "reg")
    code, land_use = free_parcels[5]
    body = terms([code], land_use, start_price=1000000.5, increment=10000)
    resp = client.post(URL, json=body, headers=registrar.headers)
    assert resp.status_code == 201, resp.text
    assert resp.json()["start_price"] == "1000000.50" and resp.json()["increment"] == "10000.00"


def test_roles_for_listing_writes(client, db, person, free_parcels) -> None:  # type: ignore[no-untyped-def]
    code, land_use = free_parcels[5]
    body = terms([code], land_use)
    before = count(db, "trading_listing")
    assert client.post(URL, json=body).status_code == 401
    resp = client.post(URL, json=body, headers=person("bidder", "b").headers)
    assert resp.status_code == 403
    assert count(db, "trading_listing") == before
