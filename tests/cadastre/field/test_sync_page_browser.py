"""The field sync page in headless Chromium against the real server: reached from the
navigation bar, a registrar signs in, opens a check-in's report (zh/en) and sees its
conflict drawn: the field's shape, the server's and the merged one; no request leaves
127.0.0.1, no JavaScript or console error, no failed request."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from gis.auth.service import add_user, issue_token
from tests.cadastre.field.qfield import edit
from tests.cadastre.field.test_race import _checkout, _cleanup
from tests.cadastre.field.test_sync import inward
from tests.cadastre.registry.helpers import revert_parcels, untouched_unit
from tests.e2e.staff_browser import Watched

PASSWORD = "correct horse battery"


def _conflict_on_server(base: str, field: dict[str, str], registrar: dict[str, str],
                        code: str, tmp_path: Path) -> dict[str, Any]:  # fmt: skip
    """Check out ``code``, let the registrar change it, move a boundary point and the land
    use in the field, check in (a conflict) and merge it by hand; the sync report."""
    package_id, gpkg = _checkout(base, field, code, tmp_path)
    etag = httpx.get(f"{base}/api/v1/parcels/{code}").headers["ETag"]
    r = httpx.patch(f"{base}/api/v1/parcels/{code}", json={"land_use": "0901"},
                    headers={**registrar, "If-Match": etag})  # fmt: skip
    assert r.status_code == 200, r.text
    where, x, y = inward(gpkg, code, share=0.3)
    edit(gpkg, [
        {"op": "set", "layer": "parcels", "where": f"unit_code = '{code}'",
         "values": {"land_use": "0603"}},
        {"op": "set", "layer": "boundary_points", "where": where, "wkt": f"POINT ({x} {y})"},
    ])  # fmt: skip
    files = {"file": ("p.gpkg", gpkg.read_bytes(), "application/octet-stream")}
    report = httpx.post(f"{base}/api/v1/field/packages/{package_id}/sync", files=files,
                        headers=field, timeout=60).json()  # fmt: skip
    (conflict,) = report["conflicts"]
    r = httpx.post(f"{base}/api/v1/field/conflicts/{conflict['conflict_id']}/resolve",
                   json={"take": "merge", "merged": {"land_use": "0604"}},
                   headers=registrar, timeout=60)  # fmt: skip
    assert r.status_code == 200, r.text
    return dict(report)


def test_sync_page_from_the_navigation_draws_a_conflict_in_chromium(
    live_server: str, engine: Engine, browser: Any, tmp_path: Path
) -> None:
    user, clerk = f"fs-{uuid.uuid4().hex[:8]}", f"fs-reg-{uuid.uuid4().hex[:8]}"
    with Session(engine) as session:
        field = {"Authorization": "Bearer "
                 + issue_token(add_user(session, user, PASSWORD, "surveyor"))}  # fmt: skip
        registrar = {"Authorization": "Bearer "
                     + issue_token(add_user(session, clerk, PASSWORD, "registrar"))}  # fmt: skip
        code = untouched_unit(session, 17)
    try:
        report = _conflict_on_server(live_server, field, registrar, code, tmp_path)
        desk = httpx.get(f"{live_server}/maps/desk").text
        assert 'href="/maps/field"' in desk  # in the one navigation bar of every page

        page = browser.new_page(viewport={"width": 1400, "height": 900})
        seen = Watched(page)
        console: list[str] = []
        page.on("request", lambda req: seen.hosts.add(httpx.URL(req.url).host))
        page.on("pageerror", lambda exc: seen.errors.append(str(exc)))
        page.on(
            "console",
            lambda m: console.append(f"{m.text} {m.location}") if m.type == "error" else None,
        )
        page.on("response", lambda r: seen.failed.append(f"{r.status} {r.url}")
                if r.status >= 400 else None)  # fmt: skip
        page.goto(f"{live_server}/maps/field")
        assert page.get_attribute('nav a[href="/maps/field"]', "aria-current") == "page"
        page.fill("#username", clerk)
        page.fill("#password", PASSWORD)
        page.click("#login-button")
        row = page.locator(f'#syncs tr[data-sync="{report["sync_id"]}"]')
        row.wait_for()
        assert "冲突 1 项" in row.inner_text() and "1 conflicts kept" in row.inner_text()
        row.click()
        frame = page.frame_locator("#report")
        frame.locator("section.conflict path.merged").wait_for()
        assert "外业包同步报告" in frame.locator("h1").inner_text()
        assert "Field sync report" in frame.locator("h1").inner_text()
        boxes = {}
        for kind in ("mine", "theirs", "merged", "base"):
            box = frame.locator(f"section.conflict path.{kind}").bounding_box()
            assert box is not None and box["width"] > 20 and box["height"] > 20, (kind, box)
            boxes[kind] = box
        assert boxes["mine"] != boxes["theirs"]  # the field moved a boundary point
        merged = frame.locator("section.conflict").inner_text()
        assert "0604" in merged and "0603" in merged and "0901" in merged
        seen.check_clean()
        assert console == []
        page.close()
    finally:
        with Session(engine) as session:
            revert_parcels(session, [code])
            session.execute(
                text("DELETE FROM job WHERE owner IN (:u, :c)"), {"u": user, "c": clerk}
            )
            session.commit()
        _cleanup(engine, user)
        _cleanup(engine, clerk)
