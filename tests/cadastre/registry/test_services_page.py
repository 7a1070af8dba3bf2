"""The public service guide, the online form and the status page in a real browser:
offline, no JS error, the form submits and the status page shows the timeline; a bad
form shows the field error and leaves nothing behind."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from cadastre.registry import service
from tests.cadastre.registry.conftest import CORP
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


@pytest.fixture
def free_unit(engine: Engine) -> Iterator[str]:
    """A unit nothing is registered on; whatever the browser files on it is removed after."""
    with Session(engine) as s:
        code = untouched_unit(s, 2)
        seq = s.execute(text("SELECT coalesce(max(seq), 0) FROM journal")).scalar_one()
        try:
            yield code
        finally:
            s.rollback()
            cleanup_unit(s, code, seq, [])


def _watched(browser):  # type: ignore[no-untyped-def]
    page = browser.new_page()
    hosts: set[str] = set()
    errors: list[str] = []
    page.on("request", lambda req: hosts.add(urlparse(req.url).hostname or ""))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page, hosts, errors


@pytest.mark.browser
def test_guide_page_checks_status_offline(live_server: str, browser, committed_case: str) -> None:  # type: ignore[no-untyped-def]
    page, hosts, errors = _watched(browser)
    page.goto(live_server + "/maps/services")
    assert page.locator("section").count() == 11
    assert page.locator("nav.landgis-nav a").count() >= 10
    page.fill("#check-case input[name=number]", committed_case)
    page.click("#check-case button")
    page.wait_for_selector("#timeline")
    assert committed_case in page.inner_text("#case-number")
    assert "收件" in page.inner_text("#timeline")
    page.fill("input[name=number]", "DJ2026010100000000")
    page.click("form button")
    page.wait_for_selector(".notice-error")
    assert "没有该办件" in page.inner_text(".notice-error")
    assert hosts == {"127.0.0.1"}, hosts
    assert errors == []
    page.close()


def _cases_on(engine: Engine, code: str) -> int:
    with engine.connect() as c:
        sql = "SELECT count(*) FROM reg_case WHERE unit_code = :c"
        return int(c.execute(text(sql), {"c": code}).scalar_one())


@pytest.mark.browser
def test_online_form_in_the_browser(
    live_server: str, browser, engine: Engine, free_unit: str, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    page, hosts, errors = _watched(browser)
    page.goto(live_server + "/maps/services/apply?case_type=objection")
    assert page.locator("select[name=case_type]").input_value() == "objection"
    page.fill("input[name=unit_code]", free_unit)
    page.locator("select[name=holder_kind]").first.select_option("legal")
    page.locator("input[name=holder_name]").first.fill(CORP["name"])
    page.locator("input[name=holder_id]").first.fill(CORP["id_number"][:-1] + "0")  # bad check
    doc = tmp_path / "异议材料.pdf"
    doc.write_bytes(b"%PDF-1.4 objection")
    page.set_input_files("input[name=files]", str(doc))
    page.click("#apply-form button[type=submit]")
    page.wait_for_selector("#holder-error")
    assert "第 1 位权利人" in page.inner_text("#holder-error")
    assert page.locator("input[name=unit_code]").input_value() == free_unit
    assert _cases_on(engine, free_unit) == 0  # nothing left behind
    page.locator("input[name=holder_id]").first.fill(CORP["id_number"])
    page.set_input_files("input[name=files]", str(doc))
    page.click("#apply-form button[type=submit]")
    page.wait_for_selector("#timeline")
    assert "申请已提交" in page.inner_text("#submitted")
    assert "/maps/cases/DJ" in page.url
    items = page.locator("#timeline li")
    assert items.count() >= 4 and "收件" in items.first.inner_text()
    assert _cases_on(engine, free_unit) == 1
    assert hosts == {"127.0.0.1"}, hosts
    assert errors == []
    page.close()
