"""The public auction map and the live listing page in headless Chromium, against a real
server; and the listings collection of the OGC API. The reserve price and bidder
identities must not reach any of them before the result is published.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from sqlalchemy import Engine

from gis.settings import get_settings
from tests.conftest import server_log
from tests.trading.committed import Market, open_market, remove
from tests.trading.conftest import published, registered, terms

RESERVE = "1234567.89"
OPEN_POPUP = """id => {
  for (const name in window) {
    const map = window[name];
    if (!(map && map instanceof L.Map)) continue;
    map.eachLayer(layer => {
      const popup = layer.getPopup && layer.getPopup();
      if (!popup) return;
      const content = popup.getContent();
      const html = content && content.outerHTML !== undefined ? content.outerHTML : String(content);
      if (html.includes('data-listing="' + id + '"')) layer.openPopup();
    });
  }
}"""


@pytest.fixture(scope="module")
def market(engine: Engine, free_parcels) -> Any:  # type: ignore[no-untyped-def]
    made = open_market(engine, free_parcels[20], 2, "page", reserve_price=RESERVE)
    yield made
    remove(engine, made)


def _bid(base: str, market: Market, who: int, amount: Decimal) -> None:
    resp = httpx.post(
        f"{base}/api/v1/trading/listings/{market.listing_id}/bids",
        json={"amount": str(amount)},
        headers={"Authorization": f"Bearer {market.tokens[who]}"},
    )
    assert resp.status_code == 201, resp.text


def _watch(page: Any) -> tuple[set[str], list[str]]:
    hosts: set[str] = set()
    bodies: list[str] = []
    page.on("request", lambda req: hosts.add(urlparse(req.url).hostname or ""))

    def keep(resp: Any) -> None:
        if resp.request.resource_type in ("document", "fetch", "xhr"):
            bodies.append(resp.text())

    page.on("response", keep)
    return hosts, bodies


def _secret_free(text: str) -> None:
    assert "1234567" not in text and "1,234,567" not in text
    assert "page-b0" not in text and "page-b1" not in text and "有限公司" not in text


def test_auction_map_shows_listings_offline_with_popups(live_server, browser, market) -> None:  # type: ignore[no-untyped-def]
    _bid(live_server, market, 0, Decimal("1000000.00"))
    page = browser.new_page(viewport={"width": 1400, "height": 800})
    hosts, bodies = _watch(page)
    page.goto(live_server + "/maps/auctions")
    page.wait_for_selector(".leaflet-container")
    page.wait_for_function(
        "document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive').length >= 1"
    )
    shapes = page.locator(".leaflet-overlay-pane path.leaflet-interactive")  # not the base map
    colours = {shapes.nth(i).get_attribute("fill") for i in range(shapes.count())}
    assert "#1a9641" in colours  # the open listing is drawn in the "open" colour
    page.evaluate(OPEN_POPUP, market.listing_id)
    popup = page.wait_for_selector(".leaflet-popup-content")
    assert popup is not None
    text = popup.inner_text()
    assert "起始价" in text and "100.00 万元" in text and "当前价" in text and "截止" in text
    assert "竞价中" in text
    _secret_free(page.content())
    for body in bodies:
        _secret_free(body)
    assert hosts == {"127.0.0.1"}, hosts
    page.close()


def test_listing_page_updates_price_without_reload(live_server, browser, market) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    hosts, bodies = _watch(page)
    page.goto(f"{live_server}/maps/auctions/{market.listing_id}")
    page.wait_for_selector("#current-price")
    before = page.inner_text("#current-price")
    page.evaluate("window.__sameDocument = true")
    current = Decimal(
        httpx.get(f"{live_server}/api/v1/trading/listings/{market.listing_id}").json()[
            "next_minimum"
        ]
    )
    _bid(live_server, market, 1, current)
    page.wait_for_function(
        "expected => document.getElementById('current-price').textContent === expected",
        arg=f"{current / 10000:,.2f} 万元",
    )
    assert page.inner_text("#current-price") != before
    assert page.evaluate("window.__sameDocument") is True  # no reload happened
    log = server_log(get_settings()).read_text(encoding="utf-8", errors="replace")
    _secret_free(log)  # nor in the server's log
    assert re.fullmatch(r"(\d+天 d )?\d\d:\d\d:\d\d", page.inner_text("#countdown"))
    _secret_free(page.content())
    for body in bodies:
        _secret_free(body)
    assert hosts == {"127.0.0.1"}, hosts
    page.close()


def test_ogc_listing_features_carry_no_reserve(client, db, person, free_parcels) -> None:  # type: ignore[no-untyped-def]
    registrar, bidder = person("registrar", "reg"), person("bidder", "b")
    listing = published(
        db,
        registrar.principal,
        terms([free_parcels[21][0]], free_parcels[21][1], reserve_price=RESERVE),
    )
    registered(db, listing, bidder.principal)
    resp = client.get("/ogc/collections/land_listings/items", params={"limit": 1000})
    assert resp.status_code == 200, resp.text
    features = resp.json()["features"]
    mine = [f for f in features if f["properties"]["code"] == listing.code]
    assert len(mine) == 1 and mine[0]["properties"]["start_price"] in (
        1000000,
        1000000.0,
        "1000000.00",
    )
    assert "reserve_price" not in mine[0]["properties"]
    _secret_free(resp.text)
