"""The planners' map in headless Chromium: layers drawn offline, the compliance form answers."""

from __future__ import annotations

from urllib.parse import urlparse

import httpx


def test_planning_map_checks_a_parcel(live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    items = httpx.get(
        f"{live_server}/ogc/collections/parcels/items",
        params={"filter": "land_use LIKE '07%'", "limit": 1},
    ).json()
    unit_code = items["features"][0]["id"]
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    hosts: set[str] = set()
    page.on("request", lambda req: hosts.add(urlparse(req.url).hostname or ""))
    page.goto(live_server + "/maps/planning")
    page.wait_for_selector(".leaflet-container")
    page.wait_for_function("document.querySelectorAll('path.leaflet-interactive').length >= 5")
    page.fill("#uc", unit_code)
    page.select_option("#cls", "07")
    page.click("#go")
    page.wait_for_selector("#verdict")
    assert page.locator("#verdict").inner_text() in ("compliant", "conflict")
    page.fill("#uc", "441900999999GB99999W00000000")
    page.click("#go")
    page.wait_for_function(
        "document.getElementById('out').textContent.includes('no current parcel')"
    )
    assert hosts == {"127.0.0.1"}, hosts
    page.close()
