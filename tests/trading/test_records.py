"""Results: deposits settled, transaction record, contract, the cadastre case; history, stats."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.orm import Session

from cadastre import handoff
from tests.trading.conftest import Person, act, published, registered, terms
from tests.trading.test_listings import count, problem
from trading import bidding, clock, service
from trading.models import Contract, Listing, Registration, TransactionRecord
from trading.records import years_after

URL = "/api/v1/trading/listings"


def sold_listing(db: Session, person, parcel: tuple[str, str]) -> tuple[Listing, Person, Person]:  # type: ignore[no-untyped-def]
    registrar, winner, loser = (
        person("registrar", "reg"),
        person("bidder", "w"),
        person("bidder", "l"),
    )
    listing = published(db, registrar.principal, terms([parcel[0]], parcel[1]))
    registered(db, listing, winner.principal)
    registered(db, listing, loser.principal)
    act(db, bidding.place_bid, listing.id, Decimal("1000000.00"), loser.principal)
    act(db, bidding.place_bid, listing.id, Decimal("1250000.00"), winner.principal)
    act(db, service.close_listing, listing.id, now=listing.deadline + timedelta(seconds=1))
    return listing, registrar, winner


def test_result_makes_record_contract_and_registration_case(
    client, db, person, free_parcels
) -> None:  # type: ignore[no-untyped-def]
    listing, registrar, winner = sold_listing(db, person, free_parcels[16])
    before = client.get(f"{URL}/{listing.id}").json()
    page = client.get(f"/maps/auctions/{listing.id}").text
    assert "125.00 万元" in page and "105.00 万元" not in page and "有限公司" not in page
    assert "1050000" not in page and "1,050,000" not in page
    assert before["outcome"]["code"] == "sold"
    assert "reserve_price" not in before and "winner" not in before and "1050000" not in str(before)
    resp = client.post(f"{URL}/{listing.id}/result", headers=registrar.headers)
    assert resp.status_code == 200, resp.text
    public = client.get(f"{URL}/{listing.id}").json()
    page = client.get(f"/maps/auctions/{listing.id}").text
    assert "底价 reserve" in page and "105.00 万元" in page and "t-w 有限公司" in page
    assert "1,250,000.00 元" in page
    bids = client.get(f"{URL}/{listing.id}/bids").json()
    assert all("bidder_no" in b for b in bids)
    assert public["reserve_price"] == "1050000.00" and public["final_price"] == "1250000.00"
    assert public["winner"]["name"] == "t-w 有限公司"
    record = db.query(TransactionRecord).filter_by(listing_id=listing.id).one()
    area = Decimal(listing.area_m2)
    assert record.price_per_m2 == (Decimal("1250000") / area).quantize(Decimal("0.01"))
    assert record.price_per_floor_m2 == (Decimal("1250000") / (area * Decimal("2.5"))).quantize(
        Decimal("0.01")
    )
    contract = db.query(Contract).filter_by(record_id=record.id).one()
    assert contract.deposit_credited == Decimal("200000.00")
    assert contract.balance_due == Decimal("1050000.00")
    (case,) = contract.cadastre_cases
    assert case["unit_code"] == free_parcels[16][0]
    status = handoff.case_status(db, case["case_number"])
    assert status["status"] == "submitted"
    stated = db.execute(
        text("SELECT payload -> 'right_terms' FROM reg_case WHERE public_number = :n"),
        {"n": case["case_number"]},
    ).scalar_one()
    signed = clock.local_date(contract.signed_at)
    assert stated == {
        "nature": "grant",
        "term_start": signed.isoformat(),
        "term_end": years_after(signed, listing.term_years).isoformat(),
    }
    deposits = {
        r.user_id: r.deposit_status for r in db.query(Registration).filter_by(listing_id=listing.id)
    }
    assert deposits[winner.principal.user_id] == "credited"
    assert sorted(deposits.values()) == ["credited", "refunded"]
    again = client.post(f"{URL}/{listing.id}/result", headers=registrar.headers)
    problem(again, 409, "status")
    assert count(db, "trading_record", f"listing_id = {listing.id}") == 1


def test_no_sale_refunds_every_deposit(db, person, free_parcels) -> None:  # type: ignore[no-untyped-def]
    registrar, bidder = person("registrar", "reg"), person("bidder", "b")
    listing = published(db, registrar.principal, terms([free_parcels[17][0]], free_parcels[17][1]))
    registered(db, listing, bidder.principal)
    act(db, service.close_listing, listing.id, now=listing.deadline + timedelta(seconds=1))
    act(db, service.publish_result, listing.id, registrar.principal)
    reg = db.query(Registration).filter_by(listing_id=listing.id).one()
    assert reg.deposit_status == "refunded" and reg.deposit_settled_at is not None
    assert count(db, "trading_record", f"listing_id = {listing.id}") == 0


def test_history_and_statistics_with_filters(client, db, person, free_parcels) -> None:  # type: ignore[no-untyped-def]
    listing, registrar, _ = sold_listing(db, person, free_parcels[18])
    act(db, service.publish_result, listing.id, registrar.principal)
    rows = client.get("/api/v1/trading/records").json()
    mine = [r for r in rows if r["listing_id"] == listing.id]
    assert mine and mine[0]["price"] == "1250000.00" and mine[0]["land_use_zh"]
    district = listing.district_code
    assert client.get("/api/v1/trading/records", params={"district": "441900999"}).json() == []
    stats = client.get(
        "/api/v1/trading/statistics",
        params={"district": district, "land_use": listing.land_use[:2]},
    ).json()
    assert sum(r["count"] for r in stats) >= 1
    row = stats[0]
    assert set(row) >= {
        "month",
        "land_class",
        "count",
        "area_m2",
        "total_price",
        "median_price_per_m2",
    }
    csv = client.get("/api/v1/trading/statistics", params={"format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert "median_price_per_m2" in csv.text.splitlines()[0]
    records_csv = client.get("/api/v1/trading/records", params={"format": "csv"}).text
    assert "1250000.00" in records_csv
    bad = client.get("/api/v1/trading/statistics", params={"district": "abc"})
    problem(bad, 422, "district")
    problem(
        client.get("/api/v1/trading/records", params={"date_from": "May"}), 422, "query.date_from"
    )
    page = client.get("/maps/trading/statistics")
    assert page.status_code == 200 and "<svg" in page.text and "rect" in page.text
    assert "http://" not in page.text.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_years_after_keeps_the_day_or_ends_february() -> None:
    assert years_after(date(2026, 12, 3), 70) == date(2096, 12, 3)
    assert years_after(date(2028, 2, 29), 50) == date(2078, 2, 28)
    assert years_after(date(2028, 2, 29), 40) == date(2068, 2, 29)
