"""The case desk in headless Chromium against the real server: sign in as a registrar,
filter, open a case (steps, documents, parcel map), accept it (and, four eyes, not be
offered its review), reject an overdue one with a reason, see the applicants and holders
(names, ID numbers, shares) of a first registration; nothing leaves 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from cadastre.registry import service
from gis.auth.service import add_user
from tests.cadastre.registry.conftest import ALICE, BOB
from tests.cadastre.registry.helpers import cleanup_unit, untouched_unit

USER, PASSWORD = "desk-registrar", "correct horse battery"
CONTRACT = {"kind": "contract", "title": "出让合同 desk-1"}


@pytest.fixture
def committed_desk(engine: Engine) -> Iterator[tuple[str, str, str, str]]:
    """A registrar, two committed seizure cases (one overdue) and a first registration of
    two holders; all removed afterwards."""
    with Session(engine) as s:
        codes = [untouched_unit(s, 3), untouched_unit(s, 4), untouched_unit(s, 5)]
        seq = s.execute(text("SELECT coalesce(max(seq), 0) FROM journal")).scalar_one()
        try:
            add_user(s, USER, PASSWORD, "registrar", "办件台测试")
            numbers = []
            for code in codes[:2]:
                case = service.open_case(
                    s,
                    case_type_code="seizure",
                    submitted_by="court",
                    role="registrar",
                    request={"unit_code": code, "source": {"kind": "court_order", "title": "裁定"}},
                )
                numbers.append(case.public_number)
            s.execute(
                text("UPDATE reg_case SET due_date = due_date - interval '30 days' WHERE id = :i"),
                {"i": case.id},
            )
            first = service.open_case(
                s,
                case_type_code="first_registration",
                submitted_by="window-clerk",
                role="registrar",
                request={"unit_code": codes[2], "holders": [ALICE, BOB], "source": CONTRACT},
            )
            s.commit()
            yield codes[0], numbers[0], numbers[1], f"{first.public_number} {codes[2]}"
        finally:
            s.rollback()
            for code in codes:
                cleanup_unit(s, code, seq, [])
            s.execute(text("DELETE FROM app_user WHERE username = :u"), {"u": USER})
            s.commit()


@pytest.mark.browser
def test_registrar_filters_opens_and_accepts_a_case(
    live_server: str,
    browser,  # type: ignore[no-untyped-def]
    committed_desk: tuple[str, str, str, str],
) -> None:
    code, number, overdue_number, first = committed_desk
    first_number, first_code = first.split()
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    hosts: set[str] = set()
    page.on("request", lambda req: hosts.add(urlparse(req.url).hostname or ""))
    page.goto(live_server + "/maps/desk")
    page.fill("#username", USER)
    page.fill("#password", "wrong password")
    page.click("#login-button")
    page.wait_for_function("document.getElementById('login-error').textContent.length > 0")
    assert page.is_hidden("#desk")
    page.fill("#password", PASSWORD)
    page.click("#login-button")
    page.wait_for_selector("#cases tbody tr[data-number]")
    assert page.evaluate("sessionStorage.getItem('landgis.token')")

    page.check("#f-overdue")
    page.click("#apply")
    page.wait_for_selector(f"#cases tr.overdue[data-number='{overdue_number}']")
    assert "逾期 overdue" in page.inner_text(f"tr[data-number='{overdue_number}']")

    page.uncheck("#f-overdue")
    page.select_option("#f-status", "submitted")
    page.select_option("#f-type", "seizure")
    page.fill("#f-unit", code)
    page.click("#apply")
    page.wait_for_function(
        "document.querySelectorAll('#cases tbody tr[data-number]').length === 1"
        f" && document.querySelector('#cases tbody tr').dataset.number === '{number}'"
    )
    assert "共 1 件 cases" in page.inner_text("#page-info")

    page.click(f"tr[data-number='{number}']")
    page.wait_for_selector(f"#detail[data-number='{number}']")
    assert "申请 submit" in page.inner_text("#d-steps")
    assert "裁定" in page.inner_text("#d-docs")
    assert page.locator("#actions button").all_inner_texts() == [
        "受理 accept",
        "不予登记 reject",
        "撤回 withdraw",
    ]
    frame = page.frame_locator("#parcel-map")
    frame.locator("path.leaflet-interactive").first.wait_for()

    page.click("#actions button[data-step='withdraw']")  # no reason given: refused in the page
    assert "give a reason" in page.inner_text("#message")
    page.click("#actions button[data-step='accept']")
    page.wait_for_function("document.getElementById('message').textContent.includes('✓')")
    assert "已受理 accepted" in page.inner_text("#d-summary")
    assert "受理 accept" in page.inner_text("#d-steps") and USER in page.inner_text("#d-steps")
    # four eyes: the registrar who accepted is not offered the review
    assert page.locator("#actions button[data-step='review']").count() == 0
    assert page.locator("#actions button[data-step='reject']").count() == 1
    page.wait_for_function("document.querySelectorAll('#cases tbody tr[data-number]').length === 0")

    page.click("#clear-filters")  # the overdue case, rejected with a reason
    assert page.input_value("#f-unit") == "" and page.input_value("#f-status") == ""
    page.check("#f-overdue")
    page.click("#apply")
    page.click(f"#cases tr[data-number='{overdue_number}']")
    page.wait_for_selector(f"#detail[data-number='{overdue_number}']")
    page.fill("#reason", "材料不全 documents incomplete")
    page.click("#actions button[data-step='reject']")
    page.wait_for_function("document.getElementById('message').textContent.includes('✓')")
    assert "不予登记 rejected" in page.inner_text("#d-summary")
    assert "材料不全 documents incomplete" in page.inner_text("#d-steps")
    assert "no actions" in page.inner_text("#actions")
    page.wait_for_selector(f"#cases tr[data-number='{overdue_number}']", state="detached")

    page.click("#clear-filters")  # the first registration: who applies, for which shares
    page.select_option("#f-type", "first_registration")
    page.fill("#f-unit", first_code)
    page.click("#apply")
    page.click(f"#cases tr[data-number='{first_number}']")
    page.wait_for_selector(f"#detail[data-number='{first_number}']")
    holders = page.inner_text("#d-holders")
    for person in (ALICE, BOB):
        assert person["name"] in holders and person["id_number"] in holders
    assert holders.count("1/2") == 2 and "申请登记的权利人" in holders
    assert "现登记权利人" in holders  # none yet, and said so
    summary = page.inner_text("#d-summary")
    assert "收件 received by" in summary and "window-clerk" in summary
    assert "申请人 submitted by" not in summary
    assert "window-clerk (registrar)" in page.inner_text("#d-steps")
    assert hosts == {"127.0.0.1"}, hosts
    page.close()
