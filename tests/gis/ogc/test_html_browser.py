"""The OGC API HTML views: rendered from templates with autoescape (markup in data stays
text), and the items page draws its features offline in headless Chromium."""

from __future__ import annotations

import json

from gis.ogc import html
from tests.e2e.staff_browser import open_page

EVIL = '<img src=x onerror="alert(1)">'


def test_data_is_escaped_not_markup() -> None:
    doc = {
        "title": EVIL,
        "description": EVIL,
        "links": [{"href": "/x?a=1&b=2", "rel": "self", "type": "text/html", "title": EVIL}],
    }
    page = html.document(doc)
    assert EVIL not in page and "&lt;img src=x" in page and "/x?a=1&amp;b=2" in page
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "f1",
                "geometry": {"type": "Point", "coordinates": [113.75, 23.02]},
                "properties": {"name": EVIL},
            }
        ],
        "links": [],
    }
    page = html.items(EVIL, json.dumps(fc))
    assert EVIL not in page and "<td>&lt;img src=x" in page
    assert "</script><img" not in page  # the map's JSON cannot close its script element


def test_items_page_draws_features_offline(live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    seen = open_page(browser, f"{live_server}/ogc/collections/parcels/items?f=html&limit=20")
    page = seen.page
    page.wait_for_function("document.querySelectorAll('.leaflet-overlay-pane path').length == 20")
    assert page.locator("table tr").count() == 21  # heading row and one per feature
    seen.check_clean()
    page.close()
