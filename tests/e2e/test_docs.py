"""/docs (Swagger UI) and /redoc (ReDoc) in headless Chromium against the real server:
they render every operation with nothing loaded from outside 127.0.0.1, and a user signs
in through Swagger UI's "Authorize" dialog and calls a route that needs the token."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlparse
from uuid import uuid4

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from gis.auth.service import add_user

PASSWORD = "correct horse battery"


@pytest.fixture
def docs_user(engine: Engine) -> Iterator[str]:
    """A committed registrar with a unique name, removed afterwards."""
    name = f"docs-{uuid4().hex[:10]}"
    with Session(engine) as s:
        add_user(s, name, PASSWORD, "registrar", "文档测试")
        s.commit()
    try:
        yield name
    finally:
        with Session(engine) as s:
            s.execute(text("DELETE FROM app_user WHERE username = :u"), {"u": name})
            s.commit()


class Requests:
    """What a page asked for: every URL, and those the browser itself blocked by the page's
    Content-Security-Policy (never sent). ``data:``/``blob:`` URLs count as their scheme."""

    def __init__(self, page) -> None:  # type: ignore[no-untyped-def]
        self.urls: list[str] = []
        self.blocked: list[str] = []
        page.on("request", lambda req: self.urls.append(req.url))
        page.on(
            "requestfailed",
            lambda req: self.blocked.append(req.url) if req.failure == "csp" else None,
        )

    def hosts_reached(self) -> set[str]:
        hosts = set()
        for url in self.urls:
            if url in self.blocked:
                continue
            parts = urlparse(url)
            web = parts.scheme in ("http", "https")
            hosts.add((parts.hostname or "") if web else parts.scheme)
        return hosts


@pytest.mark.browser
def test_swagger_ui_offline_and_authorize(live_server: str, browser, docs_user: str) -> None:  # type: ignore[no-untyped-def]
    operations = sum(
        len(ops) for ops in httpx.get(live_server + "/openapi.json").json()["paths"].values()
    )
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    seen = Requests(page)
    page.goto(live_server + "/docs")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() >= min(operations, 50)
    # GET /api/v1/auth/me needs a token: 401 before signing in
    me = page.locator(".opblock-get", has=page.locator('[data-path="/api/v1/auth/me"]'))
    me.locator(".opblock-summary").first.click()
    me.locator("button.try-out__btn").click()
    me.locator("button.execute").click()
    status = me.locator(".live-responses-table .response .response-col_status").first
    status.wait_for()
    assert status.inner_text().split()[0] == "401"
    # sign in through the Authorize dialog (OAuth2 password flow against /api/v1/auth/token)
    page.click(".auth-wrapper button.authorize")
    page.fill("#oauth_username", docs_user)
    page.fill("#oauth_password", PASSWORD)
    page.click(".auth-btn-wrapper button.authorize")
    page.wait_for_selector('.auth-btn-wrapper button[aria-label="Remove authorization"]')
    page.click(".auth-btn-wrapper button.btn-done")
    # the same call now carries the token
    me.locator("button.execute").click()
    page.wait_for_function(
        "s => (document.querySelector(s)?.textContent || '').trim().startsWith('200')",
        arg=".live-responses-table .response .response-col_status",
    )
    body = me.locator(".live-responses-table .response-col_description pre").first.inner_text()
    assert docs_user in body and "registrar" in body
    hosts = seen.hosts_reached()
    assert hosts <= {"127.0.0.1", "data", "blob"} and "127.0.0.1" in hosts, hosts
    assert not seen.blocked, seen.blocked
    page.close()


@pytest.mark.browser
def test_redoc_offline(live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    seen = Requests(page)
    page.goto(live_server + "/redoc")
    page.wait_for_selector("[data-section-id^='tag/']")
    page.wait_for_function("document.body.innerText.includes('/api/v1/auth/token')")
    assert page.locator("[data-section-id^='operation/']").count() >= 50
    hosts = seen.hosts_reached()
    assert hosts <= {"127.0.0.1", "data", "blob"} and "127.0.0.1" in hosts, hosts
    # ReDoc's side menu asks for its maker's logo on the internet; the page's CSP keeps
    # the browser from sending that request
    assert all(urlparse(u).hostname == "cdn.redoc.ly" for u in seen.blocked), seen.blocked
    page.close()


def test_docs_pages_name_no_cdn(client) -> None:  # type: ignore[no-untyped-def]
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        r = client.get(path)
        assert r.status_code == 200 and "text/html" in r.headers["content-type"]
        assert "https://" not in r.text and "http://" not in r.text, path
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"):
        assert client.get(f"/static/vendor/apidocs/{asset}").status_code == 200


# pages not built from the shared page templates: Swagger UI, ReDoc and the OGC API's HTML
DOC_PAGES = {  # path -> the first thing of the page, which the bar must not cover
    "/docs": "#swagger-ui .info",
    "/redoc": ".menu-content",
    "/ogc": "main h1, main h2",
    "/ogc/collections": "main h1, main h2",
    "/ogc/collections/roads/items": "main",
}


@pytest.mark.browser
def test_api_docs_and_ogc_pages_carry_the_bar(live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    for path, first in DOC_PAGES.items():
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        seen, errors = Requests(page), []
        page.on("pageerror", lambda exc: errors.append(str(exc)))  # noqa: B023
        answer = page.goto(live_server + path, wait_until="networkidle")
        assert answer is not None and answer.status == 200, path
        assert page.locator("nav.landgis-nav a").count() >= 10, path
        assert page.locator("a.landgis-home").get_attribute("href") == "/", path
        page.wait_for_selector(first, timeout=20_000)
        bar = page.locator(".landgis-bar").first.bounding_box()
        box = page.locator(first).first.bounding_box()
        assert bar is not None and box is not None, path
        assert box["y"] >= bar["y"] + bar["height"] - 1, (path, box, bar)  # not under the bar
        assert errors == [], (path, errors)
        assert seen.hosts_reached() <= {"127.0.0.1", "data", "blob"}, path
        page.close()
