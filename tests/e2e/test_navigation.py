"""The one navigation bar: the same entries, Chinese first and English second, on every
page that carries it (pages of other areas join as they adopt ``bar.html``)."""

from __future__ import annotations

import re

import pytest

from gis.web import nav

NAV_PAGES = [
    "/",
    "/maps/parcels",
    "/maps/services",
    "/maps/planning",
    "/maps/changes",
    "/maps/quality",
    "/maps/notices",
    "/maps/services/apply",
    "/maps/cases",
]
ENTRY = re.compile(r'<a href="([^"]+)"[^>]*>([^<]+) <small>([^<]+)</small></a>')


def _bar(html: str) -> list[tuple[str, str, str]]:
    found = re.search(r'<nav class="landgis-nav".*?</nav>', html, re.S)
    assert found, "no navigation bar"
    return ENTRY.findall(found.group(0))


def test_every_page_shows_the_same_bar(client) -> None:  # type: ignore[no-untyped-def]
    expected = [(e.href, e.zh, e.en) for e in nav.entries()]
    assert len(expected) >= 10
    for path in NAV_PAGES:
        page = client.get(path)
        assert page.status_code == 200, path
        assert _bar(page.text) == expected, path
        assert page.text.count('class="landgis-nav"') == 1, path


def test_labels_are_chinese_first_then_english(client) -> None:  # type: ignore[no-untyped-def]
    client.get("/")  # the app registers the entries
    for entry in nav.entries():
        assert re.match(r"[\u4e00-\u9fff]", entry.zh), entry
        assert re.fullmatch(r"[A-Za-z ]+", entry.en), entry


def test_the_current_page_is_marked(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/maps/parcels").text
    assert '<a href="/maps/parcels" aria-current="page">' in page
    assert page.count('aria-current="page"') == 1


def test_gis_knows_no_domain_page() -> None:
    """The entries are registered by the composition root: gis names no cadastre page."""
    from pathlib import Path

    import gis.web

    for source in Path(gis.web.__file__).parent.glob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert "import cadastre" not in text and "from cadastre" not in text, source
        assert "from trading" not in text, source


BAR_WIDTHS = {"phone": 375, "half a screen": 960, "laptop": 1280, "desktop": 1600}


@pytest.mark.browser
def test_the_bar_never_scrolls_sideways(live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    """At every width every link can be reached: wide screens show the links in the bar;
    narrower ones fold them into the 菜单 button, whose list opens inside the window (the
    bar once scrolled sideways with a hidden scroll bar below ~1300 px, hiding links)."""
    for name, width in BAR_WIDTHS.items():
        page = browser.new_page(viewport={"width": width, "height": 760})
        page.goto(f"{live_server}/maps/parcels", wait_until="domcontentloaded")
        links = page.locator("nav.landgis-nav a")
        button = page.locator("label.landgis-nav-button")
        nav_box = page.locator("nav.landgis-nav").bounding_box()
        folded = not links.first.is_visible()
        assert folded == button.is_visible(), name  # the links or the button, never neither
        if folded:
            button.click()
        count = links.count()
        assert count >= 10, name
        for i in range(count):
            box = links.nth(i).bounding_box()
            assert box is not None and links.nth(i).is_visible(), (name, i)
            assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (name, i, box)
            assert box["y"] + box["height"] <= 760, (name, i, box)
        assert folded == (width < 1320), (name, nav_box)
        if folded:  # the list closes again, and a link in it leads to its page
            button.click()
            assert not links.first.is_visible(), name
            button.click()
            page.locator('nav.landgis-nav a[href="/maps/services"]').click()
            page.wait_for_url(f"{live_server}/maps/services", timeout=10_000)
        page.close()
