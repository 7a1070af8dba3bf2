"""Editing a draft listing (PATCH with If-Match), and published listings refusing edits."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from tests.trading.conftest import published, terms
from tests.trading.test_listings import count, problem
from trading import repository

URL = "/api/v1/trading/listings"


def _draft(client: Any, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, str]:
    resp = client.post(URL, json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    return int(resp.json()["id"]), resp.headers["ETag"]


def test_draft_edit_needs_current_etag_and_changes_terms_and_parcels(  # type: ignore[no-untyped-def]
    client, db: Session, person, free_parcels
) -> None:
    registrar = person("registrar", "reg")
    (c1, land_use), (c2, _), (c3, _) = free_parcels[30], free_parcels[31], free_parcels[32]
    body = terms([c1, c2], land_use, opens_in=timedelta(days=22), announced_days_before=22)
    listing_id, created_tag = _draft(client, registrar.headers, body)
    staff = client.get(f"{URL}/{listing_id}/staff", headers=registrar.headers)
    assert staff.headers["ETag"] == created_tag and created_tag.startswith('"')
    area_before = Decimal(staff.json()["area_m2"])
    change = {"title": "改 edited plot", "start_price": "2000000.00", "unit_codes": [c1, c3]}

    missing = client.patch(f"{URL}/{listing_id}", json=change, headers=registrar.headers)
    assert "If-Match" in problem(missing, 428, "If-Match")["detail"]
    stale = {**registrar.headers, "If-Match": '"0123456789abcdef0123456789abcdef"'}
    refused = client.patch(f"{URL}/{listing_id}", json=change, headers=stale)
    assert created_tag in problem(refused, 412, "If-Match")["detail"]  # says the current one
    assert (
        client.get(f"{URL}/{listing_id}/staff", headers=registrar.headers).json()["title"]
        == (body["title"])
    )

    ok = client.patch(
        f"{URL}/{listing_id}", json=change, headers={**registrar.headers, "If-Match": created_tag}
    )
    assert ok.status_code == 200, ok.text
    edited = ok.json()
    assert edited["title"] == "改 edited plot" and edited["start_price"] == "2000000.00"
    assert edited["status"]["code"] == "draft" and edited["reserve_price"] == "1050000.00"
    assert {p["unit_code"] for p in edited["parcels"]} == {c1, c3}
    assert count(db, "trading_listing_parcel", f"listing_id = {listing_id}") == 2
    expected_area = sum(Decimal(str(p.area_m2)) for p in repository.current_parcels(db, [c1, c3]))
    assert Decimal(edited["area_m2"]) == expected_area != area_before
    new_tag = ok.headers["ETag"]
    assert new_tag != created_tag
    assert client.get(f"{URL}/{listing_id}/staff", headers=registrar.headers).headers["ETag"] == (
        new_tag
    )
    # The tag read before the edit is stale now: a second editor who read it is refused.
    late = {**registrar.headers, "If-Match": created_tag}
    problem(
        client.patch(f"{URL}/{listing_id}", json={"term_years": 50}, headers=late), 412, "If-Match"
    )
    # A weak tag or a list of tags is accepted, as for parcel edits.
    listed = {**registrar.headers, "If-Match": f'"stale", W/{new_tag}'}
    resp = client.patch(f"{URL}/{listing_id}", json={"term_years": 50}, headers=listed)
    assert resp.status_code == 200 and resp.json()["term_years"] == 50, resp.text


def test_draft_edits_are_checked_as_at_creation(client, db: Session, person, free_parcels) -> None:  # type: ignore[no-untyped-def]
    registrar = person("registrar", "reg")
    code, land_use = free_parcels[33]
    body = terms([code], land_use, opens_in=timedelta(days=22), announced_days_before=22)
    listing_id, tag = _draft(client, registrar.headers, body)
    headers = {**registrar.headers, "If-Match": tag}
    cases = [
        ({"increment": "5000000.00"}, "increment"),  # larger than the start price
        ({"far_min": "3.00"}, "far_max"),  # far_max now below far_min
        ({"bid_end": body["bid_start"]}, "bid_end"),
        ({"land_use": "0101"}, "land_use"),  # farmland is not offered
        ({"unit_codes": ["x" * 27]}, "unit_codes"),
        ({"unit_codes": [code, code]}, "unit_codes"),
        ({"start_price": "-1"}, "start_price"),
        ({"method": "lottery"}, "method"),
        ({"reserve_price": "1.001"}, "reserve_price"),
        ({"status": "published"}, "status"),  # not a term: refused, not ignored
    ]
    for change, field in cases:
        resp = client.patch(f"{URL}/{listing_id}", json=change, headers=headers)
        problem(resp, 422, field)
    assert client.patch(
        f"{URL}/{listing_id}", json={"title": None}, headers=headers
    ).status_code == (422)
    assert client.patch(f"{URL}/{listing_id}", json={}, headers=headers).status_code == 422
    gone = "4419001010010GB99999W00000000"[:28]
    resp = client.patch(f"{URL}/{listing_id}", json={"unit_codes": [gone]}, headers=headers)
    assert "no current parcel" in problem(resp, 409, "unit_codes")["detail"]
    # Nothing of the refused edits was kept: the ETag is still the one read at creation.
    staff = client.get(f"{URL}/{listing_id}/staff", headers=registrar.headers)
    assert staff.headers["ETag"] == tag and staff.json()["increment"] == "10000.00"
    # Only registrars edit drafts.
    bidder = person("bidder", "b1")
    assert client.patch(f"{URL}/{listing_id}", json={"term_years": 40}).status_code == 401
    resp = client.patch(
        f"{URL}/{listing_id}", json={"term_years": 40}, headers={**bidder.headers, "If-Match": tag}
    )
    assert resp.status_code == 403
    assert (
        client.patch(f"{URL}/999999", json={"term_years": 40}, headers=headers).status_code == 404
    )


def test_an_edited_draft_publishes_with_its_new_terms(
    client, db: Session, person, free_parcels
) -> None:  # type: ignore[no-untyped-def]
    registrar = person("registrar", "reg")
    code, land_use = free_parcels[34]
    short = terms([code], land_use, opens_in=timedelta(days=22), announced_days_before=19)
    listing_id, tag = _draft(client, registrar.headers, short)
    refused = client.post(f"{URL}/{listing_id}/publish", headers=registrar.headers)
    problem(refused, 422, "announcement_date")  # 19 days of announcement are too few
    fixed = {
        "announcement_date": terms(
            [code], land_use, opens_in=timedelta(days=22), announced_days_before=22
        )["announcement_date"],
        "method": "auction",
    }
    resp = client.patch(
        f"{URL}/{listing_id}", json=fixed, headers={**registrar.headers, "If-Match": tag}
    )
    assert resp.status_code == 200, resp.text
    done = client.post(f"{URL}/{listing_id}/publish", headers=registrar.headers)
    assert done.status_code == 200, done.text
    public = client.get(f"{URL}/{listing_id}").json()
    assert public["method"]["code"] == "auction"
    assert public["announcement_date"] == fixed["announcement_date"]


def test_published_listing_refuses_edits_in_both_languages(  # type: ignore[no-untyped-def]
    client, db: Session, person, free_parcels
) -> None:
    registrar = person("registrar", "reg")
    code, land_use = free_parcels[35]
    listing = published(db, registrar.principal, terms([code], land_use))
    staff = client.get(f"{URL}/{listing.id}/staff", headers=registrar.headers)
    headers = {**registrar.headers, "If-Match": staff.headers["ETag"]}
    resp = client.patch(f"{URL}/{listing.id}", json={"title": "too late"}, headers=headers)
    body = problem(resp, 409, "status")
    assert body["message"]["zh"] == f"出让公告 {listing.code} 状态为「已公告」，只有草稿可以修改"
    assert body["message"]["en"] == (
        f"listing {listing.code} is published, not a draft: only drafts can be edited"
    )
    assert "只有草稿" in body["detail"] and "only drafts" in body["detail"]
    assert body["code"] == "ListingStateError"
    # Even without If-Match the answer is the state, not a precondition.
    problem(
        client.patch(f"{URL}/{listing.id}", json={"title": "x"}, headers=registrar.headers),
        409,
        "status",
    )
    after = client.get(f"{URL}/{listing.id}/staff", headers=registrar.headers)
    assert after.json()["title"] == staff.json()["title"]
    assert after.headers["ETag"] == staff.headers["ETag"]
