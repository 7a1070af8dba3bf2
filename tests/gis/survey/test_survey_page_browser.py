"""The survey report page in headless Chromium on a real server: map, points, verdict, offline."""

from __future__ import annotations

from urllib.parse import urlparse

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.auth.service import add_user, issue_token
from tests.gis.survey.test_survey_api import SAMPLES


@pytest.fixture
def committed_survey(live_server, engine):  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        user = add_user(session, "live-surveyor-survey", "correct horse battery", "surveyor")
        token = issue_token(user)
        session.commit()
    res = httpx.post(
        live_server + "/api/v1/surveys",
        files={"file": ("j.csv", (SAMPLES / "boundary_points_4547.csv").read_bytes())},
        data={"surveyor": "王测量"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert res.status_code == 201, res.text
    yield res.json()["id"]
    with Session(engine) as session:
        session.execute(text("DELETE FROM survey WHERE id = :i"), {"i": res.json()["id"]})
        session.execute(text("DELETE FROM app_user WHERE username = 'live-surveyor-survey'"))
        session.commit()


def test_survey_page_draws_points_and_verdict_offline(live_server, browser, committed_survey):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    hosts: set[str] = set()
    page.on("request", lambda req: hosts.add(urlparse(req.url).hostname or ""))
    page.goto(f"{live_server}/maps/surveys/{committed_survey}")
    page.wait_for_selector(".leaflet-container")
    page.wait_for_function("document.querySelectorAll('path.leaflet-interactive').length >= 5")
    assert page.locator("#verdict").inner_text()
    rows = page.locator("#survey-report table tr")
    assert rows.count() == 5  # header + J1..J4
    assert rows.nth(3).inner_text().split("\t")[:3] == ["J3", "3", "0.08"]  # 0.08 m: class 3
    assert hosts == {"127.0.0.1"}, hosts
    page.close()
