"""End to end: the real server as `make run` starts it, the landing map in headless Chromium."""

from __future__ import annotations

import socket
import subprocess
import sys
from urllib.parse import urlparse

import httpx

from gis.settings import Settings
from tests.conftest import REPO_ROOT, free_port, server_env


def test_landing_map_draws_parcels_offline(live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    hosts: set[str] = set()
    page.on("request", lambda req: hosts.add(urlparse(req.url).hostname or ""))
    page.goto(live_server + "/")
    page.wait_for_selector(".leaflet-container")
    page.wait_for_function("document.querySelectorAll('path.leaflet-interactive').length > 500")
    shapes = page.locator("path.leaflet-interactive").count()
    assert shapes >= 600  # every test parcel plus roads
    page.locator("path.leaflet-interactive").nth(shapes // 2).click(force=True)
    page.wait_for_selector(".leaflet-popup-content")
    assert "441900" in page.locator(".leaflet-popup-content").inner_text()
    assert hosts == {"127.0.0.1"}, hosts
    page.close()


def test_health_of_live_server(live_server: str) -> None:
    body = httpx.get(live_server + "/health").json()
    assert body["status"] == "ok"


def test_server_port_taken_gives_one_line(settings: Settings, engine) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    with socket.socket() as other:
        other.bind(("127.0.0.1", port))
        other.listen()
        proc = subprocess.run(
            [sys.executable, "-m", "landgis", "serve"],
            env=server_env(settings, port),
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 1
    assert f"port {port}" in proc.stderr and "LANDGIS_PORT" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_every_page_linked_from_the_landing_map_answers(client) -> None:  # type: ignore[no-untyped-def]
    from cadastre.maps import NAV_LINKS

    page = client.get("/")
    assert page.status_code == 200
    for href, _ in NAV_LINKS:
        assert f'href="{href}"' in page.text
        assert client.get(href).status_code == 200, href
