"""The folium base map draws this server's vector tiles in headless Chromium, offline."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import folium
import pytest
import uvicorn
from sqlalchemy import Engine

from gis.web.maps import VECTORGRID_JS, add_vector_basemap, offline_map
from tests.conftest import free_port
from tests.gis.tiles.conftest import make_app


@pytest.fixture
def tile_server(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app (test collections registered) served by uvicorn in a thread; yields its URL."""
    app = make_app()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the tile server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_helper_adds_vectorgrid_from_this_server() -> None:
    fmap = offline_map((23.02, 113.75))
    add_vector_basemap(fmap, {"parcels": {"style": {"color": "#555"}}})
    html = fmap.get_root().render()
    assert VECTORGRID_JS in html
    assert "/ogc/tiles/WebMercatorQuad/{z}/{y}/{x}?collections=parcels" in html
    assert "https://" not in html and "http://" not in html.replace("http://www.w3.org", "")
    assert isinstance(fmap, folium.Map)


def test_basemap_page_draws_tiles_offline(tile_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context()
    page = context.new_page()
    requested: list[str] = []
    tiles: list[int] = []
    page.on("request", lambda r: requested.append(r.url))
    page.on(
        "response",
        lambda r: tiles.append(r.status) if "/ogc/tiles/WebMercatorQuad/" in r.url else None,
    )
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{tile_server}/maps/tiles")
    page.wait_for_function(
        "document.querySelectorAll('.leaflet-pane path').length > 50",
        timeout=30_000,
    )
    drawn = page.evaluate("document.querySelectorAll('.leaflet-pane path').length")
    listed = page.locator("#tile-layers li").count()  # the collections drawn, named
    context.close()
    assert errors == []
    assert drawn > 50 and listed >= 1
    assert tiles and all(s in (200, 204) for s in tiles) and 200 in tiles
    outside = [u for u in requested if not u.startswith(tile_server) and not u.startswith("data:")]
    assert outside == []
