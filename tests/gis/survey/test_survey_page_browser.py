"""The survey map page in headless Chromium on a real server: it signs in, fetches the
survey with the reader's token, fits the view to the data, draws a one-fix survey as a
point, shows the district's base map only when the survey lies inside the district, and
loads nothing from outside 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlparse

import httpx
import pynmea2
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.auth.service import add_user, issue_token
from tests.gis.survey.test_survey_api import SAMPLES
from tests.gis.survey.test_third_party_samples import THIRD_PARTY

USER = "live-surveyor-survey-page"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def surveys(live_server, engine) -> Iterator[dict[str, object]]:  # type: ignore[no-untyped-def]
    """Three committed surveys: boundary points, one NMEA fix (both in the district) and a
    Slovenian GPX track (forced in); removed afterwards with their user."""
    with Session(engine) as session:
        user = add_user(session, USER, PASSWORD, "surveyor")
        token = issue_token(user)
        session.commit()
    one_fix = "\n".join(
        [
            str(pynmea2.RMC("GN", "RMC", ("020000.00", "A", "2301.20000", "N", "11345.00000",
                                          "E", "0.0", "0.0", "201126", "", ""))),
            str(pynmea2.GGA("GN", "GGA", ("020000.00", "2301.20000", "N", "11345.00000", "E",
                                          "4", "24", "0.6", "10.0", "M", "-5.0", "M", "", ""))),
        ]
    )  # fmt: skip
    files = {
        "boundary": ("j.csv", (SAMPLES / "boundary_points_4547.csv").read_bytes(), {}),
        "one_fix": ("one.nmea", one_fix.encode(), {}),
        "far_track": (
            "c.gpx",
            (THIRD_PARTY / "gpxpy" / "cerknicko-jezero.gpx").read_bytes(),
            {"force": "true"},
        ),
    }
    ids: dict[str, object] = {"token": token}
    for key, (name, data, extra) in files.items():
        res = httpx.post(
            live_server + "/api/v1/surveys",
            files={"file": (name, data)},
            data={"surveyor": "王测量", **extra},
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        assert res.status_code == 201, res.text
        ids[key] = res.json()["id"]
    yield ids
    with Session(engine) as session:
        for key in files:
            session.execute(text("DELETE FROM survey WHERE id = :i"), {"i": ids[key]})
        session.execute(text("DELETE FROM app_user WHERE username = :u"), {"u": USER})
        session.commit()


def _open(browser, live_server, survey_id, token=None):  # type: ignore[no-untyped-def]
    """A new page (own context) on the survey; with ``token``, already signed in."""
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    if token:
        context.add_init_script(f"sessionStorage.setItem('landgis.token', {token!r});")
    page = context.new_page()
    seen: dict[str, list[str]] = {"hosts": [], "errors": [], "tiles": []}
    page.on("request", lambda r: seen["hosts"].append(urlparse(r.url).hostname or ""))
    page.on("request", lambda r: "/tiles/" in r.url and seen["tiles"].append(r.url))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
    page.goto(f"{live_server}/maps/surveys/{survey_id}")
    return context, page, seen


def _data_in_view(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(
        page.evaluate(
            "() => { var b = null; surveyMap.eachLayer(function (l) {"
            " if (l.getBounds && l.feature === undefined && l.getLayers) {"
            " var lb = l.getBounds(); if (lb.isValid()) { b = lb; } } });"
            " return b !== null && surveyMap.getBounds().contains(b); }"
        )
    )


def test_boundary_survey_draws_points_verdict_and_district_basemap(
    live_server, browser, surveys
) -> None:  # type: ignore[no-untyped-def]
    context, page, seen = _open(browser, live_server, surveys["boundary"], surveys["token"])
    page.wait_for_selector("body[data-drawn]")
    assert page.locator("body").get_attribute("data-basemap") == "district"
    page.wait_for_function("document.querySelectorAll('path.leaflet-interactive').length >= 5")
    assert (
        "与登记一致" in page.locator("#verdict").inner_text()
        or "登记" in page.locator("#verdict").inner_text()
    )
    rows = page.locator("#points tr")
    assert rows.count() == 4  # J1..J4
    assert rows.nth(2).inner_text().split("\t")[:4] == [
        "J3",
        "3",
        "0.08",
        "报告的中误差 reported σ",
    ]
    assert _data_in_view(page)
    page.wait_for_timeout(500)
    assert any("/tiles/" in t for t in seen["tiles"]), seen["tiles"]
    assert set(seen["hosts"]) == {"127.0.0.1"}, seen["hosts"]
    assert seen["errors"] == []
    context.close()


def test_a_one_fix_survey_is_drawn_as_a_point(live_server, browser, surveys) -> None:  # type: ignore[no-untyped-def]
    context, page, seen = _open(browser, live_server, surveys["one_fix"], surveys["token"])
    page.wait_for_selector("body[data-drawn='1']")
    markers = page.evaluate(
        "() => { var n = 0; surveyMap.eachLayer(function (l) {"
        " if (l instanceof L.CircleMarker && l._path && l._path.isConnected) { n++; } });"
        " return n; }"
    )
    assert markers == 1, page.evaluate("() => document.querySelector('#map').innerHTML.length")
    centre = page.evaluate("() => surveyMap.getCenter()")
    assert centre["lat"] == pytest.approx(23.02, abs=1e-5)
    assert centre["lng"] == pytest.approx(113.75, abs=1e-5)
    assert page.evaluate("() => surveyMap.getZoom()") == 19
    assert seen["errors"] == [], seen["errors"]  # no "Invalid LatLng (NaN, NaN)"
    context.close()


def test_a_track_outside_the_district_is_fitted_without_basemap(
    live_server, browser, surveys
) -> None:  # type: ignore[no-untyped-def]
    context, page, seen = _open(browser, live_server, surveys["far_track"], surveys["token"])
    page.wait_for_selector("body[data-drawn]")
    assert page.locator("body").get_attribute("data-basemap") == "none"
    assert _data_in_view(page)
    assert page.evaluate("() => surveyMap.getZoom()") >= 12  # fitted, not the world view
    assert seen["tiles"] == []
    assert "辖区" in page.locator("#problems").inner_text()  # the forced import's finding
    assert seen["errors"] == []
    context.close()


def test_the_page_asks_to_sign_in_and_then_shows_the_survey(live_server, browser, surveys) -> None:  # type: ignore[no-untyped-def]
    context, page, seen = _open(browser, live_server, surveys["boundary"])
    page.wait_for_selector("#login:not([hidden])")
    assert not page.locator("#survey-report").is_visible()
    assert "王测量" not in page.content()
    page.fill("#username", USER)
    page.fill("#password", PASSWORD)
    page.click("#login button")
    page.wait_for_selector("body[data-drawn]")
    assert page.locator("#surveyor").inner_text() == "王测量"
    context.close()
