"""The registrars' parcel page and the quality map in headless Chromium, offline."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.cadastre.parcels.conftest import touching_pair


@pytest.mark.browser
def test_parcel_page_and_quality_map_draw_offline(
    live_server: str,
    browser,  # type: ignore[no-untyped-def]
    engine: Engine,
) -> None:
    with Session(engine) as s:
        code, neighbour = touching_pair(s, 1)
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    hosts: set[str] = set()
    page.on("request", lambda req: hosts.add(urlparse(req.url).hostname or ""))
    page.goto(f"{live_server}/maps/parcels?unit_code={code}")
    page.wait_for_function("document.querySelectorAll('path.leaflet-interactive').length > 3")
    assert "历史 history" in page.locator(".legend").inner_text()
    assert code in page.locator(".legend").inner_text()
    page.goto(f"{live_server}/maps/quality?zone={code[:9]}")
    page.wait_for_selector(".leaflet-container")
    assert "质量检查 quality" in page.locator("#side").inner_text()
    assert hosts == {"127.0.0.1"}, hosts
    page.close()
    assert neighbour != code
