"""Bidding through the API: who may bid, when, how much; the close rules; sealed tenders."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from tests.trading.conftest import COMPANY_CODE, act, published, registered, terms
from tests.trading.test_listings import count, problem
from trading import clock, service

URL = "/api/v1/trading/listings"


def bids_of(db: Session, listing_id: int) -> int:
    return count(db, "trading_bid", f"listing_id = {listing_id}")


def test_register_pay_and_bid_through_the_api(client, db, person, free_parcels) -> None:  # type: ignore[no-untyped-def]
    registrar, bidder = person("registrar", "reg"), person("bidder", "b1")
    code, land_use = free_parcels[6]
    listing = published(db, registrar.principal, terms([code], land_use))
    base = f"{URL}/{listing.id}"
    party = {"kind": "legal", "name": "东莞某某置业有限公司", "id_number": COMPANY_CODE}
    reg = client.post(f"{base}/registrations", json=party, headers=bidder.headers)
    assert reg.status_code == 201, reg.text
    assert reg.json()["deposit_status"] == "unpaid"
    problem(
        client.post(f"{base}/bids", json={"amount": "1000000"}, headers=bidder.headers),
        409,
        "deposit",
    )
    problem(client.post(f"{base}/registrations/me/deposit", headers=bidder.headers), 403, "deposit")
    cashier = person("cashier", "cash")
    confirm = f"{base}/registrations/{reg.json()['id']}/deposit"
    wrong = client.post(confirm, json={"amount": "1", "reference": "BK-1"}, headers=cashier.headers)
    problem(wrong, 422, "amount")
    paid = client.post(
        confirm, json={"amount": "200000.00", "reference": "BK-1"}, headers=cashier.headers
    )
    assert paid.status_code == 200 and paid.json()["deposit_status"] == "paid"
    assert paid.json()["deposit_source"] == "staff"
    first = client.post(f"{base}/bids", json={"amount": "1000000.00"}, headers=bidder.headers)
    assert first.status_code == 201, first.text
    assert first.json()["seq"] == 1
    second = client.post(f"{base}/bids", json={"amount": 1010000}, headers=bidder.headers)
    assert second.status_code == 201, second.text
    live = client.get(f"{base}/live").json()
    assert live["current_price"] == "1010000.00" and live["next_minimum"] == "1020000.00"
    public_bids = client.get(f"{base}/bids").json()
    assert [b["amount"] for b in public_bids] == ["1000000.00", "1010000.00"]
    assert all("bidder_no" not in b for b in public_bids)
    assert "东莞某某" not in str(client.get(base).json())


def test_bad_bids_are_refused_and_nothing_changes(client, db, person, free_parcels) -> None:  # type: ignore[no-untyped-def]
    registrar = person("registrar", "reg")
    bidder, unpaid, stranger = (
        person("bidder", "b1"),
        person("bidder", "b2"),
        person("bidder", "b3"),
    )
    code, land_use = free_parcels[7]
    listing = published(db, registrar.principal, terms([code], land_use))
    registered(db, listing, bidder.principal)
    registered(db, listing, unpaid.principal, pay=False)
    base = f"{URL}/{listing.id}/bids"
    assert (
        client.post(base, json={"amount": "1000000.00"}, headers=bidder.headers).status_code == 201
    )
    cases = [
        (bidder, {"amount": "1009999.99"}, 409, "amount"),  # under one increment
        (bidder, {"amount": "1000000.00"}, 409, "amount"),  # same price again
        (bidder, {"amount": "-1020000"}, 422, "amount"),
        (bidder, {"amount": "lots"}, 422, "amount"),
        (bidder, {"amount": 1020000.001}, 422, "amount"),
        (bidder, {}, 422, "amount"),
        (stranger, {"amount": "1020000.00"}, 403, "registration"),
        (unpaid, {"amount": "1020000.00"}, 409, "deposit"),
        (registrar, {"amount": "1020000.00"}, 403, None),
    ]
    for who, body, status, field in cases:
        resp = client.post(base, json=body, headers=who.headers)
        assert resp.status_code == status, (body, resp.text)
        assert resp.headers["content-type"].startswith("application/problem+json")
        assert resp.json().get("field") == field, (body, resp.json())
    assert client.post(base, json={"amount": "1020000.00"}).status_code == 401
    assert bids_of(db, listing.id) == 1
    assert str(client.get(f"{URL}/{listing.id}").json()["current_price"]) == "1000000.00"


def test_no_bid_before_opening_or_after_deadline(client, db, person, free_parcels) -> None:  # type: ignore[no-untyped-def]
    registrar, bidder = person("registrar", "reg"), person("bidder", "b1")
    (c1, lu1), (c2, lu2) = free_parcels[8], free_parcels[9]
    early = published(db, registrar.principal, terms([c1], lu1, opens_in=timedelta(days=2)))
    registered(db, early, bidder.principal)
    resp = client.post(f"{URL}/{early.id}/bids", json={"amount": "1000000"}, headers=bidder.headers)
    assert "opens" in problem(resp, 409, "listing_id")["detail"]
    now = clock.now()
    late = published(
        db,
        registrar.principal,
        terms([c2], lu2, method="auction", opens_in=timedelta(hours=-3), runs=timedelta(hours=2)),
    )
    registered(db, late, bidder.principal, at=now - timedelta(hours=2))
    resp = client.post(f"{URL}/{late.id}/bids", json={"amount": "1000000"}, headers=bidder.headers)
    assert "deadline" in problem(resp, 409, "listing_id")["detail"]
    assert bids_of(db, early.id) == 0 and bids_of(db, late.id) == 0


def test_single_bidder_at_reserve_wins_listing(db, person, free_parcels) -> None:  # type: ignore[no-untyped-def]
    from trading import bidding

    registrar, bidder = person("registrar", "reg"), person("bidder", "b1")
    code, land_use = free_parcels[10]
    listing = published(db, registrar.principal, terms([code], land_use))
    registered(db, listing, bidder.principal)
    act(db, bidding.place_bid, listing.id, Decimal("1050000.00"), bidder.principal)
    closed = act(db, service.close_listing, listing.id, now=listing.deadline + timedelta(seconds=1))
    assert closed.outcome == "sold" and closed.final_price == Decimal("1050000.00")


def test_listing_under_reserve_is_no_sale(db, person, free_parcels) -> None:  # type: ignore[no-untyped-def]
    from trading import bidding

    registrar, bidder = person("registrar", "reg"), person("bidder", "b1")
    code, land_use = free_parcels[11]
    listing = published(db, registrar.principal, terms([code], land_use))
    registered(db, listing, bidder.principal)
    act(db, bidding.place_bid, listing.id, Decimal("1040000.00"), bidder.principal)
    closed = act(db, service.close_listing, listing.id, now=listing.deadline + timedelta(seconds=1))
    assert closed.outcome == "no_sale" and closed.winner_registration_id is None


def test_close_before_deadline_is_refused(client, db, person, free_parcels) -> None:  # type: ignore[no-untyped-def]
    registrar = person("registrar", "reg")
    code, land_use = free_parcels[12]
    listing = published(db, registrar.principal, terms([code], land_use))
    resp = client.post(f"{URL}/{listing.id}/close", headers=registrar.headers)
    problem(resp, 409, "deadline")
    assert count(db, "trading_listing", f"id = {listing.id} AND status = 'published'") == 1


def test_two_bidders_at_deadline_go_to_onsite_auction(client, db, person, free_parcels) -> None:  # type: ignore[no-untyped-def]
    from trading import bidding

    registrar = person("registrar", "reg")
    a, b, c = person("bidder", "a"), person("bidder", "b"), person("bidder", "c")
    code, land_use = free_parcels[13]
    listing = published(db, registrar.principal, terms([code], land_use))
    for who in (a, b, c):
        registered(db, listing, who.principal)
    act(db, bidding.place_bid, listing.id, Decimal("1000000.00"), a.principal)
    act(db, bidding.place_bid, listing.id, Decimal("1100000.00"), b.principal)
    for who in (a, b):
        resp = client.post(f"{URL}/{listing.id}/onsite-requests", headers=who.headers)
        assert resp.status_code == 200 and resp.json()["wants_onsite"] is True
    after = listing.deadline + timedelta(seconds=1)
    onsite = act(db, service.close_listing, listing.id, now=after)
    assert onsite.status == "onsite" and onsite.outcome == "onsite"
    public = client.get(f"{URL}/{listing.id}").json()
    assert public["phase"]["code"] == "onsite" and public["next_minimum"] == "1110000.00"
    bid = {"amount": "1100000.00"}
    problem(client.post(f"{URL}/{listing.id}/bids", json=bid, headers=a.headers), 409, "amount")
    problem(
        client.post(f"{URL}/{listing.id}/bids", json={"amount": "1110000"}, headers=c.headers),
        409,
        "registration",
    )
    won = client.post(f"{URL}/{listing.id}/bids", json={"amount": "1110000"}, headers=a.headers)
    assert won.status_code == 201, won.text
    done = act(db, service.close_listing, listing.id, now=onsite.deadline + timedelta(seconds=400))
    assert done.status == "closed" and done.outcome == "sold"
    assert done.final_price == Decimal("1110000.00")


def test_auction_countdown_restarts_with_each_bid(db, person, free_parcels) -> None:  # type: ignore[no-untyped-def]
    from trading import bidding

    registrar, bidder = person("registrar", "reg"), person("bidder", "b1")
    code, land_use = free_parcels[14]
    body = terms(
        [code],
        land_use,
        method="auction",
        opens_in=timedelta(minutes=-10),
        runs=timedelta(minutes=11),
    )
    listing = published(db, registrar.principal, body)
    registered(db, listing, bidder.principal)
    before = listing.deadline
    result = act(db, bidding.place_bid, listing.id, Decimal("1000000.00"), bidder.principal)
    db.refresh(listing)
    assert listing.deadline > before
    assert str(result["deadline"]) == listing.deadline.astimezone(clock.zone()).isoformat()


def test_tender_bids_are_sealed_until_opening(client, db, person, free_parcels) -> None:  # type: ignore[no-untyped-def]
    registrar, a, b = person("registrar", "reg"), person("bidder", "a"), person("bidder", "b")
    code, land_use = free_parcels[15]
    listing = published(db, registrar.principal, terms([code], land_use, method="tender"))
    for who in (a, b):
        registered(db, listing, who.principal)
    base = f"{URL}/{listing.id}"
    assert (
        client.post(f"{base}/bids", json={"amount": "1200000"}, headers=a.headers).status_code
        == 201
    )
    assert (
        client.post(f"{base}/bids", json={"amount": "1100000"}, headers=b.headers).status_code
        == 201
    )
    problem(
        client.post(f"{base}/bids", json={"amount": "1300000"}, headers=a.headers), 409, "amount"
    )
    problem(
        client.post(f"{base}/bids", json={"amount": "999999"}, headers=b.headers), 409, "amount"
    )
    public = client.get(base).json()
    assert public["current_price"] is None and "1200000" not in str(public)
    assert client.get(f"{base}/bids").json() == []
    closed = act(db, service.close_listing, listing.id, now=listing.deadline + timedelta(seconds=1))
    assert closed.outcome == "sold" and closed.final_price == Decimal("1200000.00")
    opened = client.get(f"{base}/bids").json()
    assert sorted(x["amount"] for x in opened) == ["1100000.00", "1200000.00"]


def test_bid_after_close_is_refused(client, db, person, free_parcels) -> None:  # type: ignore[no-untyped-def]
    from trading import bidding

    registrar, bidder = person("registrar", "reg"), person("bidder", "b1")
    code, land_use = free_parcels[23]
    listing = published(db, registrar.principal, terms([code], land_use))
    registered(db, listing, bidder.principal)
    act(db, bidding.place_bid, listing.id, Decimal("1100000.00"), bidder.principal)
    act(db, service.close_listing, listing.id, now=listing.deadline + timedelta(seconds=1))
    resp = client.post(
        f"{URL}/{listing.id}/bids", json={"amount": "2000000"}, headers=bidder.headers
    )
    assert "closed" in problem(resp, 409, "listing_id")["detail"]
    assert bids_of(db, listing.id) == 1
    public = client.get(f"{URL}/{listing.id}").json()
    assert public["current_price"] == "1100000.00" and public["phase"]["code"] == "closed"
