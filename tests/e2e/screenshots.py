"""``make screenshots``: open every page of a running landgis server (the demo loaded) in
headless Chromium and write one PNG per page to ``data/screenshots/`` (git-ignored), plus
the district map with a parcel's popup open, for people to review.

    python -m tests.e2e.screenshots --base-url http://127.0.0.1:8000
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from urllib.parse import urlparse

import httpx
from playwright.sync_api import Page, sync_playwright

from tests.conftest import CHROMIUM, CHROMIUM_FLAGS

OUT = Path(__file__).resolve().parents[2] / "data" / "screenshots"
EXTRA_PAGES = ["/maps/services/apply", "/maps/cases", "/maps/notices", "/ogc/collections"]
NAV_LINK = re.compile(r'<nav class="landgis-nav".*?</nav>', re.S)
HREF = re.compile(r'href="(/[^"]*)"')


def pages_of(base: str) -> list[str]:
    """Every page of the navigation bar, the extra public pages, one parcel's page and
    the demo DEM's page."""
    landing = httpx.get(base + "/", timeout=60).text
    bar = NAV_LINK.search(landing)
    paths = HREF.findall(bar.group(0)) if bar else ["/"]
    hits = httpx.get(base + "/maps/search", params={"q": "4419"}, timeout=60).json()
    parcel = [f"/maps/parcels?unit_code={hits[0]['label']}"] if hits else []
    rasters = httpx.get(base + "/api/v1/rasters", timeout=60).json()["features"]
    dem = [f"/maps/rasters/{r['id']}" for r in rasters if "DEM" in r["properties"]["title"]]
    return list(dict.fromkeys([*paths, *EXTRA_PAGES, *parcel, *dem[:1]]))


def file_name(path: str) -> str:
    name = re.sub(r"[^0-9A-Za-z]+", "-", path).strip("-") or "landing"
    return f"{name[:80]}.png"


def shoot(page: Page, base: str, path: str) -> list[str]:
    """Open ``path``, let its tiles arrive, write its PNG; returns the JS errors seen."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(base + path, wait_until="networkidle", timeout=60_000)
    page.wait_for_timeout(800)
    page.screenshot(
        path=str(OUT / file_name(path)), full_page=not page.query_selector("#map, .folium-map")
    )
    return errors


def popup_shot(page: Page, base: str) -> None:
    """The district map with the popup of a parcel in the middle of the view."""
    page.goto(base + "/", wait_until="networkidle", timeout=60_000)
    page.wait_for_function("document.querySelectorAll('path.leaflet-interactive').length > 50")
    shapes = page.locator("path.leaflet-interactive")
    shapes.nth(shapes.count() // 2).click(force=True)
    page.wait_for_selector(".popup-links[data-loaded]", timeout=10_000)
    page.wait_for_timeout(600)  # the popup fades in
    page.screenshot(path=str(OUT / "landing-popup.png"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    base = parser.parse_args().base_url.rstrip("/")
    OUT.mkdir(parents=True, exist_ok=True)
    outside: set[str] = set()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        for path in pages_of(base):
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            page.on(
                "request",
                lambda r: (
                    outside.add(r.url)
                    if urlparse(r.url).hostname != urlparse(base).hostname
                    else None
                ),
            )
            errors = shoot(page, base, path)
            print(f"{file_name(path):50} {'JS errors: ' + '; '.join(errors) if errors else 'ok'}")
            page.close()
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        popup_shot(page, base)
        browser.close()
    print(
        f"written to {OUT}" + (f"; requests left the server: {sorted(outside)}" if outside else "")
    )


if __name__ == "__main__":
    main()
