"""The planners' map in headless Chromium: the plan layers drawn offline from vector
tiles, the edition in force named in the heading, a layer control that fits the map,
and the compliance verdict listed and drawn on the map."""

from __future__ import annotations

import httpx
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from tests.e2e.staff_browser import boxes_overlap, open_page


def test_planning_map_checks_a_parcel(live_server: str, browser, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    items = httpx.get(
        f"{live_server}/ogc/collections/parcels/items",
        params={"filter": "land_use LIKE '07%'", "limit": 1},
    ).json()
    unit_code = items["features"][0]["id"]
    with Session(engine) as s:
        edition = s.execute(text("SELECT name FROM plan_edition WHERE in_force")).scalar_one()
    seen = open_page(browser, live_server + "/maps/planning", 1000, 640)
    page = seen.page
    page.wait_for_function("document.querySelectorAll('path.leaflet-interactive').length >= 5")
    assert edition in page.locator(".staff-heading").inner_text()
    control = page.locator(".leaflet-control-layers").bounding_box()
    map_box = page.locator("#map").bounding_box()
    assert control is not None and map_box is not None
    assert (
        control["y"] >= map_box["y"]
        and control["y"] + control["height"] <= map_box["y"] + map_box["height"]
    )
    assert not boxes_overlap(page, ".leaflet-control-layers", ".staff-heading")
    page.fill("#uc", unit_code)
    page.select_option("#cls", "07")
    page.click("#go")
    page.wait_for_selector("#verdict")
    verdict = page.locator("#verdict").inner_text()
    assert verdict in ("compliant", "conflict")
    page.wait_for_selector("path.compliance-result")  # the checked parcel drawn on the map
    colour = page.locator("path.compliance-result").first.get_attribute("stroke")
    assert colour == {"compliant": "#1a9641", "conflict": "#d7191c"}[verdict]
    assert unit_code in page.locator(".leaflet-tooltip").inner_text()
    page.fill("#uc", "441900999999GB99999W00000000")
    page.click("#go")
    page.wait_for_function(
        "document.getElementById('out').textContent.includes('no current parcel')"
    )
    assert page.locator("path.compliance-result").count() == 0
    seen.failed = [
        f for f in seen.failed if "/api/v1/planning/compliance" not in f
    ]  # the 404 asked for
    seen.check_clean()
    page.close()
