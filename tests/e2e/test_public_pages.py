"""The public pages in real Chromium with the demo loaded: each page of the navigation
bar opens without a JS error or a request leaving 127.0.0.1; the district map's popups
name the land use, say the status in Chinese and give the area in m² and 亩; the search
box finds a road and zooms to it; place names are drawn."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import httpx
import pytest

from tests.e2e.screenshots import pages_of

# pages of this area carry the shared bar; every page must open cleanly
BAR_PAGES = ["/", "/maps/parcels", "/maps/services", "/maps/services/apply", "/maps/cases"]


def _watched(browser):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    hosts: set[str] = set()
    errors: list[str] = []
    page.on("request", lambda req: hosts.add(urlparse(req.url).hostname or ""))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page, hosts, errors


@pytest.mark.browser
def test_every_page_opens_offline_without_js_errors(live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    paths = pages_of(live_server)
    assert len(paths) >= 12 and set(BAR_PAGES) <= set(paths)
    for path in paths:
        page, hosts, errors = _watched(browser)
        answer = page.goto(live_server + path, wait_until="load")
        assert answer is not None and answer.status == 200, path
        if path in BAR_PAGES or path.startswith("/maps/parcels"):
            assert page.locator("nav.landgis-nav a").count() >= 10, path
        page.wait_for_timeout(300)
        assert errors == [], (path, errors)
        assert hosts == {"127.0.0.1"}, (path, hosts)
        page.close()


@pytest.mark.browser
def test_popup_names_status_and_area_in_mu(live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    page, hosts, errors = _watched(browser)
    page.goto(live_server + "/")
    page.wait_for_function("document.querySelectorAll('path.leaflet-interactive').length > 500")
    assert page.locator(".landgis-label-town").count() >= 1
    # the names of the view come from /maps/labels once the map settles (z15: communities
    # and roads); zoomed out to the city they go, the towns stay
    page.wait_for_selector("#map[data-view-labels]")
    assert page.locator(".landgis-label-community, .landgis-label-village").count() >= 1
    assert page.locator(".landgis-label-road").count() >= 1
    page.evaluate("window.landgisMap.setZoom(12, {animate: false})")
    page.wait_for_function("document.querySelectorAll('.landgis-label-road').length === 0")
    assert page.locator(".landgis-label-town").count() >= 1
    page.evaluate("window.landgisMap.setZoom(15, {animate: false})")
    page.wait_for_function("document.querySelectorAll('.landgis-label-road').length > 0")
    shapes = page.locator("path.leaflet-interactive")
    shapes.nth(shapes.count() // 2).click(force=True)
    page.wait_for_selector(".popup-links[data-loaded]")
    use = page.inner_text(".popup-land_use")
    assert re.fullmatch(r"\d{4} [\u4e00-\u9fff]+.* [a-z].*", use), use
    assert page.inner_text(".popup-reg_status").split(" ")[0] in (
        "已登记",
        "未登记",
        "查封",
        "已注销",
    )
    area = page.inner_text(".popup-area_m2")
    assert re.fullmatch(r"[\d,]+\.\d m² · [\d,]+\.\d\d 亩", area), area
    assert (
        page.locator(".leaflet-popup-content a.popup-page")
        .get_attribute("href")
        .startswith("/maps/parcels?unit_code=441900")
    )
    assert errors == [] and hosts == {"127.0.0.1"}, (errors, hosts)
    page.close()


@pytest.mark.browser
def test_search_box_finds_a_road_and_a_parcel(live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    road = httpx.get(live_server + "/maps/search", params={"q": "路"}).json()[0]["label"]
    page, hosts, errors = _watched(browser)
    page.goto(live_server + "/")
    page.wait_for_selector("#place-search")
    before = page.evaluate("window.landgisMap.getZoom()")
    page.fill("#place-search input[name=q]", road)
    page.click("#place-search button")
    page.wait_for_selector("#place-hits[data-count]")
    assert road in page.inner_text("#place-hits")
    page.wait_for_function(f"window.landgisMap.getZoom() !== {before}")
    code = httpx.get(live_server + "/maps/search", params={"q": "4419"}).json()[3]["label"]
    page.fill("#place-search input[name=q]", code)
    page.click("#place-search button")
    page.wait_for_function("window.landgisMap.getZoom() >= 17")
    page.wait_for_load_state("networkidle")  # the tiles at the new zoom
    page.wait_for_timeout(500)
    box = page.locator("#map").bounding_box()
    assert box is not None
    # the middle of the map, where the parcel now is
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector(".leaflet-popup-content")
    assert code in page.inner_text(".leaflet-popup-content")
    assert errors == [] and hosts == {"127.0.0.1"}, (errors, hosts)
    page.close()
