"""The demo listings, and the `landgis trading` commands from draft to published result."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from gis.auth.service import add_user
from tests.trading.conftest import terms
from trading import clock
from trading.cli import app
from trading.demo import demo_sales, load_demo_listings


def test_demo_listings_cover_every_phase(client, db) -> None:  # type: ignore[no-untyped-def]
    codes = load_demo_listings(db)
    assert 15 <= len(codes) <= 30
    offered = db.execute(  # only state land with a construction right; no homestead (0702)
        text(
            "SELECT p.unit_code, p.land_use FROM trading_listing_parcel t "
            "JOIN parcel p ON p.unit_code = t.unit_code AND p.end_lifespan IS NULL"
        )
    ).all()
    assert offered and all(c[12:14] == "GB" and use != "0702" for c, use in offered)
    assert {use[:2] for _, use in offered} == {"05", "06", "07"}  # 商服, 工业, 住宅
    listed = {x["code"]: x for x in client.get("/api/v1/trading/listings").json()}
    phases = {listed[c]["phase"]["code"] for c in codes}
    assert phases == {"upcoming", "open", "awaiting_close", "onsite", "closed", "result_published"}
    assert client.get("/maps/auctions").status_code == 200
    sales = demo_sales(db)
    years = {s.deal_date.year for s in sales}
    assert len(sales) >= 8 and len(years) >= 2  # statistics over two years
    assert (clock.local_date(clock.now()) - sales[0].deal_date).days >= 365  # for monitoring
    assert all(s.unit_codes for s in sales)
    records = client.get("/api/v1/trading/records", params={"limit": 100}).json()
    assert {r["listing_code"] for r in records} >= {s.code for s in sales}
    closed = [c for c in codes if listed[c]["phase"]["code"] in ("closed", "result_published")]
    for code in closed:  # a bid history on the closed ones (but the no-sale without bids)
        bids = client.get(f"/api/v1/trading/listings/{listed[code]['id']}/bids").json()
        assert bids or listed[code]["outcome"]["code"] == "no_sale", code


def test_cli_drafts_publishes_lists_and_closes(engine: Engine, free_parcels) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    with Session(engine) as session:
        add_user(session, "cli-registrar", "correct horse battery", "registrar")
    code, land_use = free_parcels[22]
    body = terms([code], land_use, opens_in=timedelta(days=21), announced_days_before=21)
    try:
        args = ["create", "--as", "cli-registrar", "--unit-code", code, "--land-use", land_use]
        for key in ("start_price", "increment", "deposit", "reserve_price"):
            args += ["--" + key.replace("_", "-"), body[key]]
        args += ["--announce", clock.local_date(clock.now()).isoformat()]
        args += ["--bid-start", body["bid_start"][:19], "--bid-end", body["bid_end"][:19]]
        made = runner.invoke(app, args)
        assert made.exit_code == 0, made.output
        listing_id = made.output.split()[1]
        bad = runner.invoke(app, [*args[:-8], "--start-price", "-1", *args[-6:]])
        assert bad.exit_code != 0 and "start-price" in bad.output
        published = runner.invoke(app, ["publish", listing_id])
        assert published.exit_code == 0, published.output
        again = runner.invoke(app, ["publish", listing_id])
        assert again.exit_code == 1 and "not a draft" in again.output
        listed = runner.invoke(app, ["list"])
        assert "upcoming" in listed.output and "1050000" not in listed.output
        early = runner.invoke(app, ["close", listing_id])
        assert early.exit_code == 1 and "bidding runs until" in early.output
        staff = runner.invoke(app, ["show", listing_id, "--staff"])
        assert '"reserve_price": "1050000.00"' in staff.output
    finally:
        with Session(engine) as session:
            session.execute(
                text(
                    "DELETE FROM trading_listing WHERE created_by IN "
                    "(SELECT id FROM app_user WHERE username = 'cli-registrar')"
                )
            )
            session.execute(text("DELETE FROM app_user WHERE username = 'cli-registrar'"))
            session.commit()
