"""A saved certificate of a sold parcel: the CLI, the API and a phone all say "signature
valid, but superseded on … by …" (committed data: the CLI and the server use their own
sessions; everything made is removed afterwards)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cadastre.cli import app as cadastre_cli
from cadastre.registry import certificates
from cadastre.registry.models import JournalEntry, RegCase
from tests.cadastre.registry.conftest import ALICE, BOB, CORP, PERSONAL
from tests.cadastre.registry.helpers import cleanup_unit, run_case, untouched_unit

runner = CliRunner()
TERMS = {"nature": "grant", "term_start": "2006-12-04", "term_end": "2076-12-03"}


@pytest.fixture(scope="module")
def sold(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A unit registered to Alice and Bob, then sold to a company: both certificates saved."""
    folder = tmp_path_factory.mktemp("sold")
    with Session(engine) as s:
        code = untouched_unit(s, 6)
        seq = s.execute(text("SELECT coalesce(max(seq), 0) FROM journal")).scalar_one()
        try:
            first = run_case(
                s,
                "first_registration",
                unit_code=code,
                holders=[dict(ALICE), dict(BOB)],
                right_terms=TERMS,
                through="issue",
            )
            old = certificates.certificate_for_case(s, first)
            (folder / "old.html").write_text(certificates.page(old), encoding="utf-8")
            (folder / "old.pdf").write_bytes(certificates.pdf_for_case(s, first))
            sale = run_case(s, "transfer", unit_code=code, holders=[{**CORP}], through="issue")
            new = certificates.certificate_for_case(s, sale)
            (folder / "new.pdf").write_bytes(certificates.pdf_for_case(s, sale))
            entered = s.scalars(select(RegCase.entered_at).where(RegCase.public_number == sale))
            facts = {"code": code, "old": old.number, "new": new.number, "sale": sale}
            s.commit()
            yield {**facts, "folder": folder, "sold_on": entered.one(), "body": new.body}
        finally:
            s.rollback()
            cleanup_unit(s, code, seq, [ALICE["id_number"], BOB["id_number"], CORP["id_number"]])


def test_cli_says_superseded_and_exits_2(sold: dict[str, Any], engine: Engine) -> None:
    day = sold["sold_on"].astimezone().strftime("%Y")
    for name in ("old.html", "old.pdf"):
        r = runner.invoke(cadastre_cli, ["verify-certificate", str(sold["folder"] / name)])
        assert r.exit_code == 2, r.output
        assert "signature valid" in r.output and "superseded on " + day in r.output
        assert sold["new"] in r.output and r.output.count("\n") == 1
    r = runner.invoke(cadastre_cli, ["verify-certificate", str(sold["folder"] / "new.pdf")])
    assert r.exit_code == 0 and "genuine and current" in r.output
    offline = ["verify-certificate", str(sold["folder"] / "old.pdf"), "--offline"]
    assert runner.invoke(cadastre_cli, offline).exit_code == 0  # the signature alone holds
    with Session(engine) as s:
        channels = s.scalars(
            select(JournalEntry.payload["channel"].astext)
            .where(JournalEntry.event == "certificate_verified")
            .order_by(JournalEntry.seq.desc())
            .limit(3)
        ).all()
    assert channels == ["cli", "cli", "cli"]


def test_api_says_valid_signature_but_not_current(sold: dict[str, Any], client: TestClient) -> None:
    data = (sold["folder"] / "old.pdf").read_bytes()
    files = {"file": ("old.pdf", data, "application/pdf")}
    r = client.post("/api/v1/certificates/verify", files=files)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["valid"] is True and body["genuine"] is True and body["current"] is False
    assert body["status"] == "superseded" and body["superseded_by"] == sold["new"]
    assert body["superseded_on"] == sold["sold_on"].isoformat()
    assert "superseded" in body["verdict_en"] and "取代" in body["verdict_zh"]
    for value in PERSONAL + [CORP["name"], CORP["id_number"]]:
        assert value not in r.text


def test_new_certificate_keeps_the_grant_terms_and_shows_what_a_holder_expects(
    sold: dict[str, Any],
) -> None:
    right = sold["body"]["right"]
    assert (right["nature_zh"], right["term_start"], right["term_end"]) == (
        "出让",
        "2006-12-04",
        "2076-12-03",
    )
    assert right["sharing_zh"] == "单独所有"
    page = (sold["folder"] / "old.html").read_text(encoding="utf-8")
    for text_ in (
        "坐落",
        "广东省东莞市",
        "权利性质",
        "出让",
        "使用期限",
        "2006年12月4日起",
        "2076年12月3日止",
        "按份共有",
        "东莞市自然资源局",
        "登记机构",
    ):
        assert text_ in page, text_
    assert re.search(r"发证日期 issued</th><td>\d{4}年\d{1,2}月\d{1,2}日</td>", page)


def test_phone_opens_the_qr_link_and_reads_superseded(
    sold: dict[str, Any], live_server: str, browser: Any
) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/verify/{quote(sold['old'], safe='')}")
        verdict = page.locator("#verdict").inner_text()
        assert "已被取代" in verdict or "取代" in verdict
        assert sold["new"] in page.locator("#superseded-by").inner_text()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the page is {width}px wide on a 375px phone"
        assert ALICE["name"] not in page.content()
    finally:
        context.close()
