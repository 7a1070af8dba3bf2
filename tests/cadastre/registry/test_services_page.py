"""The public service guide page in a real browser: offline, and checks a case's status."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from cadastre.registry import service
from tests.cadastre.registry.helpers import cleanup_unit, untouched_unit


@pytest.fixture
def committed_case(engine: Engine) -> Iterator[str]:
    """A submitted seizure case, committed so the live server sees it; removed afterwards."""
    with Session(engine) as s:
        code = untouched_unit(s, 1)
        seq = s.execute(text("SELECT coalesce(max(seq), 0) FROM journal")).scalar_one()
        try:
            case = service.open_case(
                s,
                case_type_code="seizure",
                submitted_by="court",
                role="registrar",
                request={"unit_code": code, "source": {"kind": "court_order", "title": "裁定"}},
            )
            s.commit()
            yield case.public_number
        finally:
            s.rollback()
            cleanup_unit(s, code, seq, [])


@pytest.mark.browser
def test_guide_page_checks_status_offline(live_server: str, browser, committed_case: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    hosts: set[str] = set()
    page.on("request", lambda req: hosts.add(urlparse(req.url).hostname or ""))
    page.goto(live_server + "/maps/services")
    assert page.locator("section").count() == 11
    page.fill("#pn", committed_case)
    page.click("button")
    page.wait_for_function("document.getElementById('out').textContent.length > 0")
    assert "已申请 submitted" in page.inner_text("#out")
    page.fill("#pn", "DJ2026010100000000")
    page.click("button")
    page.wait_for_function("document.getElementById('out').textContent.includes('no case')")
    assert hosts == {"127.0.0.1"}, hosts
    page.close()
