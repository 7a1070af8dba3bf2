"""End to end: the real server as `make run` starts it, the landing map in headless Chromium."""

from __future__ import annotations

import socket
import subprocess
import sys
from urllib.parse import urlparse

import httpx
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.settings import Settings
from tests.conftest import REPO_ROOT, free_port, server_env


def test_landing_map_draws_parcels_offline(live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    hosts: set[str] = set()
    page.on("request", lambda req: hosts.add(urlparse(req.url).hostname or ""))
    page.goto(live_server + "/")
    page.wait_for_selector(".leaflet-container")
    # every test parcel plus roads; tiles arrive one by one, so wait for all of them
    page.wait_for_function("document.querySelectorAll('path.leaflet-interactive').length >= 600")
    shapes = page.locator("path.leaflet-interactive").count()
    assert shapes >= 600
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
    from gis.web.nav import entries

    page = client.get("/")
    assert page.status_code == 200
    assert len(entries()) >= 10
    for href in (e.href for e in entries()):
        assert f'href="{href}"' in page.text
        assert client.get(href).status_code == 200, href


def _clone_parcels(db: Session, copies: int) -> int:
    """Add ``copies`` shifted copies of every current parcel to the test's rolled-back
    session (new ids and unit codes); returns how many parcels there are then."""
    db.execute(
        text(
            "INSERT INTO parcel (id, version, unit_code, parcel_code, subzone_code, land_use, "
            "area_m2, reg_status, ref_point, geom) "
            "SELECT p.id + 10000000 * k, 1, left(p.unit_code, 20) || lpad(k::text, 8, '0'), "
            "p.parcel_code, p.subzone_code, "
            "p.land_use, p.area_m2, p.reg_status, ST_Translate(p.ref_point, 0.03 * k, 0), "
            "ST_Translate(p.geom, 0.03 * k, 0) FROM parcel p, generate_series(1, :n) k "
            "WHERE p.end_lifespan IS NULL"
        ),
        {"n": copies},
    )
    return int(db.execute(text("SELECT count(*) FROM parcel")).scalar_one())


def test_landing_page_is_small_whatever_the_register_size(client, db: Session) -> None:  # type: ignore[no-untyped-def]
    """The page holds no parcel (they come as tiles): with 600 or 5,400 parcels it is the
    same few kilobytes, far below 200 KB, and names no unit code."""
    codes = list(db.execute(text("SELECT unit_code FROM parcel LIMIT 50")).scalars())
    small = client.get("/")
    assert _clone_parcels(db, 8) >= 5000
    large = client.get("/")
    assert small.status_code == large.status_code == 200
    assert len(small.content) < 200_000 and len(large.content) < 200_000
    assert abs(len(large.content) - len(small.content)) < 100  # only the centre moved
    assert small.text != large.text
    assert not any(code in large.text for code in codes)
    assert "/ogc/collections/parcels/tiles/" in large.text


def test_landing_revalidates_and_follows_committed_edits(live_server: str, engine) -> None:  # type: ignore[no-untyped-def]
    """The same page comes with the same ETag (304 for a client that has it) until a
    committed parcel edit moves what it shows; then it is rebuilt (200, a new ETag)."""
    first = httpx.get(live_server + "/")
    tag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"
    again = httpx.get(live_server + "/", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.headers["etag"] == tag and again.content == b""
    with Session(engine) as s:
        pid = (
            s.execute(
                text("SELECT id FROM parcel WHERE end_lifespan IS NULL ORDER BY ST_XMax(geom) DESC")
            )
            .scalars()
            .first()
        )
        s.execute(
            text("UPDATE parcel SET geom = ST_Translate(geom, 0.05, 0) WHERE id = :i"), {"i": pid}
        )
        s.commit()
        try:
            moved = httpx.get(live_server + "/", headers={"If-None-Match": tag})
        finally:
            s.execute(
                text("UPDATE parcel SET geom = ST_Translate(geom, -0.05, 0) WHERE id = :i"),
                {"i": pid},
            )
            s.commit()
    assert moved.status_code == 200 and moved.headers["etag"] != tag
    assert moved.text != first.text


def test_parcel_search_page_by_click_and_by_code(live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    hosts: set[str] = set()
    page.on("request", lambda req: hosts.add(urlparse(req.url).hostname or ""))
    page.goto(live_server + "/maps/parcels")
    page.wait_for_function("document.querySelectorAll('path.leaflet-interactive').length > 100")
    shapes = page.locator("path.leaflet-interactive")
    shapes.nth(shapes.count() // 2).click(force=True)
    link = page.locator(".leaflet-popup-content a.popup-page")
    link.wait_for()
    code = page.locator(".leaflet-popup-content").inner_text().split("\n")[0].split(": ")[-1]
    assert code.startswith("441900") and len(code) == 28
    link.click()
    page.wait_for_selector(".legend")
    assert code in page.locator(".legend").inner_text()
    assert "历史 history" in page.locator(".legend").inner_text()
    # by unit code, and a code that is not there
    page.goto(live_server + "/maps/parcels")
    page.fill("input[name=unit_code]", code)
    page.click("#parcel-search button")
    page.wait_for_selector(".legend")
    assert code in page.url and code in page.locator(".legend").inner_text()
    missing = code[:14] + "99999" + code[19:]
    answer = page.goto(live_server + f"/maps/parcels?unit_code={missing}")
    assert answer is not None and answer.status == 404
    assert "未找到" in page.locator("#parcel-search .message").inner_text()
    assert hosts == {"127.0.0.1"}, hosts
    page.close()


def test_parcel_search_page_without_code_is_html(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/maps/parcels")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert 'name="unit_code"' in r.text
    bad = client.get("/maps/parcels", params={"unit_code": "<script>x"})
    assert bad.status_code == 422 and "<script>x" not in bad.text and "&lt;script&gt;x" in bad.text
