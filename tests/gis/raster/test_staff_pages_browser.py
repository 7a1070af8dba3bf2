"""The raster pages as an inspector opens them in headless Chromium, with the demo
imagery loaded (two generated scenes and one change run) and a generated elevation model:
the change page lists the verdicts (at least one suspected illegal patch), the swipe bar
moves the cut between the dates, the DEM shows a colour ramp with its legend, imagery a
percentile stretch; tiles drawn, nothing asked of any host but 127.0.0.1, no JS error."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from cadastre.demo_imagery import load_demo_dem, load_demo_imagery
from gis.settings import Settings
from tests.e2e.staff_browser import boxes_overlap, open_page

TILES_DRAWN = "Array.from(document.querySelectorAll('img.leaflet-tile-loaded')).length >= {n}"
CLIP = "document.querySelectorAll('.leaflet-tile-pane .leaflet-layer')[1].style.clip"


@dataclass(frozen=True)
class Loaded:
    before_id: int
    after_id: int
    run_id: int
    dem_id: int


@pytest.fixture(scope="module")
def loaded(engine: Engine, settings: Settings) -> Iterator[Loaded]:
    """The demo imagery and the demo DEM, committed for the live server; removed afterwards."""
    ids: list[int] = []
    try:
        with Session(engine) as session:
            made = load_demo_imagery(session, seed=3)
            ids += [made.before_id, made.after_id]
            dem_id = load_demo_dem(session, seed=3)  # the demo's own elevation model
            assert dem_id is not None
            ids.append(dem_id)
            session.commit()
        yield Loaded(made.before_id, made.after_id, made.run_id, ids[2])
    finally:
        with Session(engine) as session:
            for raster_id in ids:
                path = session.execute(
                    text("DELETE FROM raster WHERE id = :i RETURNING path"), {"i": raster_id}
                ).scalar_one()
                session.commit()
                (settings.files_dir / path).unlink(missing_ok=True)


@pytest.mark.browser
def test_change_page_lists_verdicts_and_swipes(
    live_server: str,
    browser,
    loaded: Loaded,  # type: ignore[no-untyped-def]
) -> None:
    seen = open_page(browser, f"{live_server}/maps/changes?run_id={loaded.run_id}")
    page = seen.page
    page.wait_for_function(TILES_DRAWN.format(n=2))
    illegal = page.locator('#patch-list li[data-verdict="suspected_illegal"]')
    assert illegal.count() >= 1 and "疑似违法" in illegal.first.inner_text()
    listed = page.locator("#patch-list li").count()
    counted = page.locator("#verdict-counts tr[data-verdict] .count").all_inner_texts()
    assert sum(int(n) for n in counted) == listed
    assert "待核查" in page.locator("#patch-list").inner_text()  # needs a field check
    patches = page.evaluate("document.querySelectorAll('.leaflet-overlay-pane path').length")
    assert patches == listed
    page.wait_for_function(f"{CLIP}.startsWith('rect(')")
    first = page.evaluate(CLIP)
    page.locator("#landgis-swipe").fill("20")
    page.wait_for_function(f"{CLIP} !== {first!r}")
    illegal.first.click()
    page.wait_for_selector(".leaflet-popup-content")
    assert "疑似违法" in page.locator(".leaflet-popup-content").inner_text()
    for covered in (".staff-heading", "#side", ".staff-swipe"):
        assert not boxes_overlap(page, ".leaflet-control-layers", covered), covered
    seen.check_clean()
    page.close()


@pytest.mark.browser
def test_dem_page_shows_colour_ramp_legend_and_tiles(
    live_server: str,
    browser,
    loaded: Loaded,  # type: ignore[no-untyped-def]
) -> None:
    seen = open_page(browser, f"{live_server}/maps/rasters/{loaded.dem_id}")
    page = seen.page
    page.wait_for_function(TILES_DRAWN.format(n=2))
    legend = page.locator("#dem-legend")
    assert legend.is_visible() and "gradient" in legend.locator(".ramp").get_attribute("style")
    low, _, high = (
        int(t.split()[0]) for t in legend.locator(".ramp-labels span").all_inner_texts()
    )
    assert 0 <= low < 20 and 60 < high <= 300  # 2nd-98th percentile: the plain to the hills
    sources = page.evaluate(
        "Array.from(document.querySelectorAll('img.leaflet-tile')).map(i => i.src)"
    )
    assert any("colormap=terrain" in s for s in sources)
    assert any("algorithm=hillshade" in s for s in sources)
    seen.check_clean()
    page.close()


@pytest.mark.browser
def test_scene_page_stretches_rgb_by_percentile(
    live_server: str,
    browser,
    loaded: Loaded,  # type: ignore[no-untyped-def]
) -> None:
    seen = open_page(browser, f"{live_server}/maps/rasters/{loaded.after_id}")
    page = seen.page
    page.wait_for_function(TILES_DRAWN.format(n=1))
    stretch = page.locator("#stretch").inner_text()
    assert "3,2,1" in stretch and "百分位" in stretch
    seen.check_clean()
    page.close()
