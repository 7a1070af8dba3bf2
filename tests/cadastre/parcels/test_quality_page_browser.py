"""The quality map in headless Chromium: parcels drawn from vector tiles under the
findings, one marker per located finding, the count of each kind in the side panel; and
a clean register reads "nothing found", not an empty map."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from cadastre.parcels import quality
from tests.cadastre.parcels.conftest import touching_pair
from tests.cadastre.parcels.test_quality import RESTORE_SQL, SAVE_SQL, _damage
from tests.e2e.staff_browser import boxes_overlap, open_page

PARCEL_PATHS = "document.querySelectorAll('.leaflet-tile path').length > 20"
MARKERS = "document.querySelectorAll('.leaflet-overlay-pane path').length"


def _look(browser, url: str, counts: dict[str, int]) -> str:  # type: ignore[no-untyped-def]
    """Open the page, check parcels, markers, counts and layout; return the status line."""
    seen = open_page(browser, url)
    page = seen.page
    page.wait_for_function(PARCEL_PATHS)  # parcels: SVG paths in the vector tiles
    assert page.evaluate(MARKERS) == sum(counts.values())  # findings: circle markers
    for kind in quality.KINDS:
        shown = page.locator(f'#quality-counts tr[data-kind="{kind}"] .count').inner_text()
        assert int(shown) == counts[kind]
    assert not boxes_overlap(page, ".leaflet-control-layers", ".staff-heading")
    assert not boxes_overlap(page, ".leaflet-control-layers", "#side")
    status = page.locator("#quality-status").inner_text()
    seen.check_clean()
    page.close()
    return status


@pytest.mark.browser
def test_quality_map_draws_parcels_findings_and_counts(
    live_server: str,
    browser,  # type: ignore[no-untyped-def]
    committed: Engine,
) -> None:
    with Session(committed) as s:
        zone = touching_pair(s, 1)[0][:9]
    url = f"{live_server}/maps/quality?zone={zone}"
    api = f"{live_server}/api/v1/cadastre/quality"
    clean = httpx.get(api, params={"zone": zone}, timeout=60).json()["counts"]
    assert sum(clean.values()) == 0  # the demo register is clean: "nothing found" shows
    assert "未发现问题" in _look(browser, url, clean)
    with Session(committed) as s:
        saved = s.execute(text(SAVE_SQL), {"c": list(touching_pair(s, 40))}).all()
        _damage(s)
        s.commit()
    try:
        counts = httpx.get(api, params={"zone": zone}, timeout=60).json()["counts"]
        assert all(n >= 1 for n in counts.values())
        status = _look(browser, url, counts)
        assert f"发现 {sum(counts.values())} 处问题" in status
    finally:
        with Session(committed) as s:
            for row in saved:
                s.execute(text(RESTORE_SQL), {"id": row.id, "g": row.g})
            s.commit()
