"""The citizens' registry pages over HTTP: the online form takes the API's path (same
checks, nothing kept on refusal) and the status page reads as a timeline."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cadastre.registry import service
from cadastre.registry.models import RegCase, Source
from tests.cadastre.registry.conftest import ALICE, BOB, CORP
from tests.cadastre.registry.helpers import register_counts, run_case


def _holder_fields(*holders: dict[str, Any]) -> dict[str, list[str]]:
    return {
        "holder_kind": [h["kind"] for h in holders],
        "holder_name": [h["name"] for h in holders],
        "holder_id": [h["id_number"] for h in holders],
        "holder_share": [h.get("share", "") for h in holders],
    }


def _counts(db: Session) -> dict[str, int]:
    return {
        **register_counts(db),
        "source": int(db.scalar(select(func.count()).select_from(Source)) or 0),
    }


def test_the_form_opens_a_case_and_shows_its_number_and_timeline(
    client: TestClient, db: Session, unit_codes: list[str]
) -> None:
    files = [("files", ("合同.pdf", b"%PDF-1.4 contract", "application/pdf"))]
    data = {"case_type": "objection", "unit_code": unit_codes[5], **_holder_fields(CORP)}
    r = client.post("/maps/services/apply", data=data, files=files, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert re.fullmatch(r"/maps/cases/DJ\d+\?submitted=1", r.headers["location"])
    page = client.get(r.headers["location"])
    assert page.status_code == 200
    number = re.search(r'id="case-number">(\w+)<', page.text)[1]  # type: ignore[index]
    assert number in r.headers["location"]
    assert "申请已提交" in page.text and "已收材料 1 份" in page.text
    steps = re.findall(r'<li class="(done|pending)" data-step="(\w+)"', page.text)
    assert steps[0] == ("done", "submitted")
    assert ("pending", "accepted") in steps and ("pending", "entered") in steps
    assert CORP["name"] not in page.text and CORP["id_number"] not in page.text
    case = db.scalars(select(RegCase).where(RegCase.public_number == number)).one()
    assert case.channel == "online" and case.unit_code == unit_codes[5]


def test_a_bad_form_shows_the_field_error_and_leaves_nothing(
    client: TestClient, db: Session, unit_codes: list[str]
) -> None:
    before = _counts(db)
    bad_id = dict(BOB, id_number="441900198506063455")  # check digit wrong
    data = {
        "case_type": "first_registration",
        "unit_code": unit_codes[2],
        "note": "请尽快办理",
        **_holder_fields(ALICE, bad_id),
    }
    files = [("files", ("合同.pdf", b"%PDF-1.4 contract", "application/pdf"))]
    r = client.post("/maps/services/apply", data=data, files=files, follow_redirects=False)
    assert r.status_code == 422
    assert 'id="holder-error"' in r.text and "第 2 位权利人 holder 2" in r.text
    assert f'value="{unit_codes[2]}"' in r.text and "请尽快办理" in r.text  # typed text kept
    assert f'value="{ALICE["name"]}"' in r.text
    assert _counts(db) == before
    # the same refusals as the API: a court's case, an unknown unit, a missing case type
    court = client.post(
        "/maps/services/apply", data={"case_type": "seizure", "unit_code": unit_codes[2]}
    )
    assert court.status_code == 403 and 'class="field-error"' in court.text
    unknown = client.post(
        "/maps/services/apply",
        data={
            "case_type": "objection",
            "unit_code": "441900001001GB99999F00000000",
            **_holder_fields(CORP),
        },
    )
    assert unknown.status_code in (404, 422) and 'class="field-error"' in unknown.text
    assert client.post("/maps/services/apply", data={}).status_code == 422
    assert _counts(db) == before


def test_status_page_is_a_timeline_with_the_notice(
    client: TestClient, db: Session, unit_codes: list[str]
) -> None:
    number = run_case(
        db, "first_registration", through="enter", unit_code=unit_codes[3], holders=[ALICE, BOB]
    )
    page = client.get(f"/maps/cases/{number}")
    assert page.status_code == 200
    steps = re.findall(r'<li class="(done|pending)" data-step="(\w+)"', page.text)
    assert steps == [
        ("done", "submitted"),
        ("done", "accepted"),
        ("done", "reviewed"),
        ("done", "notice"),
        ("done", "entered"),
        ("pending", "certificate_issued"),
    ]
    assert "公告期 notice period" in page.text and "登簿" in page.text
    assert ALICE["name"] not in page.text and ALICE["id_number"] not in page.text
    assert 'class="landgis-nav"' in page.text


def test_lookup_form_and_unknown_number(client: TestClient) -> None:
    r = client.get("/maps/cases", params={"number": " DJ2026010100000000 "}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/maps/cases/DJ2026010100000000"
    missing = client.get("/maps/cases/DJ2026010100000000")
    assert missing.status_code == 404 and "没有该办件" in missing.text
    assert 'name="number"' in missing.text
    assert client.get("/maps/cases").status_code == 200
    guide = client.get("/maps/services").text
    assert 'action="/maps/cases"' in guide and "/maps/services/apply?case_type=transfer" in guide
    assert "/maps/services/apply?case_type=seizure" not in guide


def test_a_rejected_case_ends_its_timeline(
    client: TestClient, db: Session, unit_codes: list[str]
) -> None:
    number = run_case(db, "objection", through="accept", unit_code=unit_codes[4], holders=[CORP])
    service.take_step(db, number, "reject", actor="li.wei", role="registrar", reason="材料不实")
    page = client.get(f"/maps/cases/{number}").text
    steps = re.findall(r'<li class="(done|pending)" data-step="(\w+)"', page)
    assert steps == [("done", "submitted"), ("done", "accepted"), ("done", "rejected")]
    assert "已办结 closed" in page and "材料不实" not in page  # the reason stays with staff


def test_forged_form_input_is_refused_like_the_api(client: TestClient, db: Session) -> None:
    before = _counts(db)
    nul = client.post("/maps/services/apply", data={"case_type": "objection\x00", "unit_code": "x"})
    # the edge refuses a NUL before the form is read (as for the API), naming the field
    assert nul.status_code == 422 and nul.json()["field"] == "case_type"
    long_note = client.post(
        "/maps/services/apply", data={"case_type": "objection", "note": "字" * 2001}
    )
    assert long_note.status_code == 422 and "note longer than 2000" in long_note.text
    assert _counts(db) == before
