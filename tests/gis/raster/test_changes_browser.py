"""As a new inspector would: import two images into a real server, detect changes, open
/maps/changes in headless Chromium, swipe between the dates, click a patch. Offline."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from gis.auth.service import add_user, issue_token
from gis.settings import Settings, get_settings, override_settings

USER = "live-raster-inspector"


@pytest.fixture
def inspector_headers(engine: Engine, settings: Settings) -> Iterator[dict[str, str]]:
    """A committed inspector (the live server cannot see rolled-back users), with a token
    signed by the live server's key (the session settings, not this test's private ones)."""
    private = get_settings()
    override_settings(settings)
    try:
        with Session(engine) as session:
            user = add_user(session, USER, "correct horse battery", "inspector")
            token = issue_token(user)
            session.commit()
    finally:
        override_settings(private)
    yield {"Authorization": f"Bearer {token}"}
    with Session(engine) as session:
        session.execute(text("DELETE FROM app_user WHERE username = :u"), {"u": USER})
        session.commit()


@pytest.fixture
def live_imports(settings: Settings) -> Iterator[Path]:
    """A private folder inside the live server's import folder (removed afterwards)."""
    folder = settings.raster_import_root / f"test-{uuid.uuid4().hex}"
    folder.mkdir(parents=True)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _import(client: httpx.Client, folder: Path, path: Path, day: str) -> int:
    """Import ``path`` by server path, after copying it into the server's import folder."""
    shutil.copyfile(path, folder / path.name)
    resp = client.post(
        "/api/v1/rasters", data={"path": str(folder / path.name), "acquired_on": day}
    )
    assert resp.status_code == 201, resp.text
    return int(resp.json()["id"])


def test_inspector_swipes_and_opens_a_patch(
    live_server: str,
    browser,  # type: ignore[no-untyped-def]
    engine: Engine,
    settings: Settings,
    inspector_headers: dict[str, str],
    image_pair: Callable[..., tuple[Path, Path]],
    live_imports: Path,
) -> None:
    before, after = image_pair()
    made: list[int] = []
    with httpx.Client(base_url=live_server, headers=inspector_headers, timeout=120) as client:
        try:
            made += [
                _import(client, live_imports, before, "2025-06-01"),
                _import(client, live_imports, after, "2026-06-01"),
            ]
            resp = client.post("/api/v1/changes", json={"before_id": made[0], "after_id": made[1]})
            assert resp.status_code == 201 and resp.json()["patch_count"] == 2, resp.text
            _look(browser, f"{live_server}/maps/changes?run_id={resp.json()['id']}")
        finally:
            _cleanup(engine, settings.files_dir, made)


def _look(browser, url: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    hosts: set[str] = set()
    page.on("request", lambda req: hosts.add(urlparse(req.url).hostname or ""))
    page.goto(url)
    page.wait_for_function("document.querySelectorAll('path.leaflet-interactive').length == 2")
    page.wait_for_function(
        "Array.from(document.querySelectorAll('img.leaflet-tile')).some(i => i.complete)"
    )
    clip = "document.querySelectorAll('.leaflet-tile-pane .leaflet-layer')[1].style.clip"
    page.wait_for_function(f"{clip}.startsWith('rect(')")
    first = page.evaluate(clip)
    page.locator("#landgis-swipe").fill("20")
    page.wait_for_function(f"{clip} !== {first!r}")
    page.locator("path.leaflet-interactive").first.click(force=True)
    page.wait_for_selector(".leaflet-popup-content")
    assert "verdict" in page.locator(".leaflet-popup-content").inner_text()
    assert hosts == {"127.0.0.1"}, hosts
    page.close()


def _cleanup(engine: Engine, files_dir: Path, raster_ids: list[int]) -> None:
    """Remove what the live server committed: rows (runs and patches cascade) and COGs."""
    with Session(engine) as session:
        for raster_id in raster_ids:
            row = session.execute(
                text("DELETE FROM raster WHERE id = :i RETURNING path"), {"i": raster_id}
            ).scalar_one()
            session.commit()
            (files_dir / row).unlink()
