"""The time slider of /maps/parcels in Chromium: moving it to the oldest edit draws the
parcel tiles of that instant (``?datetime=``), back to the end the present; nothing is
requested beyond 127.0.0.1 and no script fails."""

from __future__ import annotations

from urllib.parse import urlparse


def _move(page, value: str) -> None:  # type: ignore[no-untyped-def]
    page.evaluate(
        "v => { const r = document.getElementById('time-slider-range'); r.value = v;"
        " r.dispatchEvent(new Event('input')); }",
        value,
    )


def test_time_slider_replays_past_tiles(live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    hosts: set[str] = set()
    errors: list[str] = []
    past: list[int] = []
    page.on("request", lambda req: hosts.add(urlparse(req.url).hostname or ""))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: errors.append(r.url) if r.status >= 400 else None)
    page.on("response", lambda r: past.append(r.status) if "datetime=" in r.url else None)
    page.goto(live_server + "/maps/parcels")
    page.wait_for_function("document.querySelectorAll('path.leaflet-interactive').length > 100")
    edits = int(page.get_attribute("#time-slider-range", "max") or 0)
    assert edits >= 1
    _move(page, "0")
    assert page.locator("#time-slider-label").inner_text()[:2] in ("19", "20")
    drawn = "window.landgisPastLayer && window.landgisMap.hasLayer(window.landgisPastLayer)"
    page.wait_for_function(drawn)
    page.wait_for_function("document.querySelectorAll('path').length > 100")
    assert past and set(past) <= {200, 204}
    assert 200 in past  # the oldest edit's state has parcels in view
    _move(page, str(edits))
    assert page.locator("#time-slider-label").inner_text() == "现在 now"
    page.wait_for_function("!window.landgisMap.hasLayer(window.landgisPastLayer)")
    assert hosts == {"127.0.0.1"}, hosts
    assert not errors, errors
    page.close()
