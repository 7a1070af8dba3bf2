"""The land market pages in headless Chromium against a real server holding the demo
district and the demo market: every page opens with shapes drawn, no request leaves
127.0.0.1, no script error; no listing shows 农村宅基地; prices are in 万元; listings exist
in every state; the filters work; picking a listing zooms the map to it; a closed listing
shows no countdown and an upcoming one counts to its opening, not to its deadline.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from gis.settings import Settings
from tests.trading.market_server import demo_market_server

PHASES = {"upcoming", "open", "awaiting_close", "onsite", "closed", "result_published"}
PRICE = re.compile(r"^\d{1,3}(,\d{3})*\.\d\d 万元$")
SHAPES = ".leaflet-overlay-pane path.leaflet-interactive"


@pytest.fixture(scope="module")
def market(settings: Settings, engine: Any) -> Iterator[str]:
    with demo_market_server(settings) as base:
        yield base


class Watched:
    """A page whose requests' hosts and script errors are recorded."""

    def __init__(self, browser: Any) -> None:
        self.page = browser.new_page(viewport={"width": 1400, "height": 900})
        self.hosts: set[str] = set()
        self.errors: list[str] = []
        self.page.on("request", lambda req: self.hosts.add(urlparse(req.url).hostname or ""))
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("response", self._status)

    def _status(self, resp: Any) -> None:
        if resp.status >= 400 and urlparse(resp.url).path != "/favicon.ico":
            self.errors.append(f"{resp.status} {resp.url}")

    def check_clean(self) -> None:
        assert self.hosts == {"127.0.0.1"}, self.hosts
        assert self.errors == [], self.errors
        text = self.page.content()
        assert "农村宅基地" not in text and "0702" not in text
        self.page.close()


def _listings(base: str) -> list[dict[str, Any]]:
    return list(httpx.get(f"{base}/api/v1/trading/listings", params={"limit": 1000}).json())


def _visible(page: Any) -> list[dict[str, str]]:
    return list(
        page.eval_on_selector_all(
            "#listings li.listing:not([hidden])", "els => els.map(e => ({...e.dataset}))"
        )
    )


def test_market_lists_every_state_beside_the_map(market: str, browser: Any) -> None:
    w = Watched(browser)
    page = w.page
    page.goto(market + "/maps/auctions")
    page.wait_for_selector("body[data-ready='1']")
    items = _visible(page)
    assert 15 <= len(items) <= 30
    assert {i["phase"] for i in items} == PHASES  # listings exist in each state
    assert {i["use"] for i in items} == {"05", "06", "07"}
    page.wait_for_function(f"document.querySelectorAll('{SHAPES}').length === {len(items)}")
    prices = page.eval_on_selector_all("#listings .price", "els => els.map(e => e.textContent)")
    assert len(prices) >= len(items) and all(PRICE.match(p) for p in prices), prices
    starts = page.eval_on_selector_all("#listings li.listing", "els => els.map(e => e.dataset.id)")
    by_id = {str(x["id"]): x for x in _listings(market)}
    opening = [by_id[i]["bid_start"] for i in starts]
    assert opening == sorted(opening, reverse=True)  # sorted by date, newest first
    for li in page.query_selector_all("#listings li.listing"):
        phase = li.get_attribute("data-phase")
        clock = li.query_selector(".countdown")
        if phase in ("closed", "result_published", "awaiting_close"):
            assert clock is None, phase  # nothing left to count down to
        else:
            label = {"upcoming": "距竞价开始", "open": "距竞价截止", "onsite": "现场竞价"}
            assert clock is not None and label[phase] in clock.inner_text(), phase
    w.check_clean()


def test_filters_and_picking_a_listing(market: str, browser: Any) -> None:
    w = Watched(browser)
    page = w.page
    page.goto(market + "/maps/auctions")
    page.wait_for_selector("body[data-ready='1']")
    total = len(_visible(page))
    page.select_option("select[name=phase]", "upcoming")
    shown = _visible(page)
    assert shown and {i["phase"] for i in shown} == {"upcoming"} and len(shown) < total
    assert page.locator(SHAPES).count() == len(shown)  # the map follows the list
    assert page.inner_text("#shown-count") == str(len(shown))
    page.select_option("select[name=phase]", "")
    page.select_option("select[name=use]", "06")
    shown = _visible(page)
    assert shown and {i["use"] for i in shown} == {"06"}
    town = page.eval_on_selector("select[name=town] option:nth-child(2)", "o => o.value")
    page.select_option("select[name=town]", town)
    assert {i["town"] for i in _visible(page)} == {town}
    page.select_option("select[name=use]", "")
    page.select_option("select[name=town]", "")
    assert len(_visible(page)) == total
    zoom = page.evaluate("window.landgisMap.getZoom()")
    first = page.locator("#listings li.listing").nth(3)
    code = first.get_attribute("data-id")
    first.click()
    page.wait_for_selector(".auction-popup")
    assert page.get_attribute(".auction-popup", "data-listing") == code
    assert page.evaluate("window.landgisMap.getZoom()") > zoom  # zoomed to the listing
    assert "万元" in page.inner_text(".auction-popup")
    w.check_clean()


def _one_per_phase(base: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for item in _listings(base):
        found.setdefault(item["phase"]["code"], item)
    assert set(found) == PHASES
    return found


def test_listing_pages_in_every_state(market: str, browser: Any) -> None:
    for phase, item in _one_per_phase(market).items():
        w = Watched(browser)
        page = w.page
        page.goto(f"{market}/maps/auctions/{item['id']}")
        page.wait_for_function(f"document.querySelectorAll('{SHAPES}').length === 1")
        page.wait_for_function("Number(document.body.dataset.polls || 0) >= 1")
        text = page.inner_text("#listing")
        for heading in ("坐落 location", "规划条件 plan conditions", "出让公告 announcement"):
            assert heading in text, (phase, heading)
        assert "竞买须知 how to register and bid" in text and "保证金" in text
        assert page.inner_text("#location").strip() not in ("", "—")
        assert "容积率" in text and "年 years" in text
        assert PRICE.match(page.inner_text("#listing td.price").strip())
        clock = page.query_selector("#countdown")
        if phase in ("closed", "result_published", "awaiting_close"):
            assert clock is None, phase
        else:
            assert clock is not None, phase
        if phase == "upcoming":  # counts to the opening, which is days before the deadline
            left = _seconds(page.inner_text("#countdown"))
            opens = datetime.fromisoformat(item["bid_start"])
            server = datetime.fromisoformat(item["server_time"])
            assert abs(left - (opens - server).total_seconds()) < 120
            assert "距竞价开始" in page.inner_text(".next-event")
        if phase == "result_published":
            result = page.inner_text("#result")
            assert "成交价 final price" in result or "流拍" in result
            assert page.query_selector("#bid-history") is not None
        w.check_clean()


def _seconds(text: str) -> int:
    m = re.fullmatch(r"(?:(\d+)天 d )?(\d\d):(\d\d):(\d\d)", text.strip())
    assert m, text
    d, h, mi, s = (int(x or 0) for x in m.groups())
    return ((d * 24 + h) * 60 + mi) * 60 + s


def test_statistics_page_reads_by_year_quarter_use_and_method(market: str, browser: Any) -> None:
    w = Watched(browser)
    page = w.page
    page.goto(market + "/maps/trading/statistics")
    assert int(page.inner_text("#sales-count")) >= 8
    charts = page.locator("svg.chart")
    assert charts.count() == 4
    text = page.inner_text("main")
    for word in ("sales per quarter", "by year", "by land use", "by method", "万元"):
        assert word in text, word
    assert page.locator("svg.chart rect.bar").count() >= 12
    assert "挂牌 listing" in text and "拍卖 auction" in text
    assert page.locator(".landgis-bar nav a[href='/maps/auctions']").count() == 1
    w.check_clean()
