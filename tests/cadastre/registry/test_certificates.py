"""Certificates: signed printable page, checked offline by the CLI; edits are caught."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cadastre import handoff
from cadastre.cli import app as cadastre_cli
from cadastre.registry import certificates, service, signing
from cadastre.registry.errors import CertificateNotFound
from gis.errors import InvalidInput
from gis.settings import Settings, override_settings
from tests.cadastre.registry.helpers import end_notice, required_source, run_case
from tests.conftest import free_port

runner = CliRunner()


def _certificate(db: Session, code: str, holders: list[dict[str, Any]]) -> str:
    number = run_case(db, "first_registration", unit_code=code, holders=holders, through="issue")
    return certificates.page_for_case(db, number)


def test_certificate_page_states_the_register(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    page = _certificate(db, unit_codes[0], holders)
    assert unit_codes[0] in page and "不动产权证书" in page
    for h in holders:
        assert h["name"] in page and "1/2" in page
    assert "m²" in page and "<svg" in page and "<path" in page
    # nothing is fetched: no stylesheet, script or image from anywhere (the only URL is the
    # certificate's own verification link)
    assert "<link" not in page and 'src="' not in page and "@import" not in page
    check = certificates.verify_page(page)
    assert check.ok and check.unit_code == unit_codes[0]


def test_cli_verifies_saved_certificate_and_catches_edits(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]], tmp_path: Path
) -> None:
    page = _certificate(db, unit_codes[1], holders)
    good = tmp_path / "cert.html"
    good.write_text(page, encoding="utf-8")
    r = runner.invoke(cadastre_cli, ["verify-certificate", str(good), "--offline"])
    assert r.exit_code == 0 and "signature valid and page unaltered" in r.output

    visible = tmp_path / "visible.html"
    visible.write_text(page.replace("<td>1/2</td>", "<td>1/1</td>", 1), encoding="utf-8")
    r = runner.invoke(cadastre_cli, ["verify-certificate", str(visible), "--offline"])
    assert r.exit_code == 2 and "visible page was edited" in r.output

    forged = tmp_path / "forged.html"
    forged.write_text(page.replace('"share":"1/2"', '"share":"1/1"', 1), encoding="utf-8")
    r = runner.invoke(cadastre_cli, ["verify-certificate", str(forged), "--offline"])
    assert r.exit_code == 2 and "signature does not match" in r.output


def test_other_key_does_not_verify(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]], tmp_path: Path
) -> None:
    page = _certificate(db, unit_codes[2], holders)
    ours = tmp_path / "ours.pem"
    ours.write_text(signing.public_key_pem())
    other = tmp_path / "other.pem"
    other.write_text(signing.public_key_pem(Ed25519PrivateKey.generate().public_key()))
    cert = tmp_path / "c.html"
    cert.write_text(page, encoding="utf-8")
    args = ["verify-certificate", str(cert), "--offline", "--public-key"]
    ok = runner.invoke(cadastre_cli, [*args, str(ours)])
    assert ok.exit_code == 0
    bad = runner.invoke(cadastre_cli, [*args, str(other)])
    assert bad.exit_code == 2 and "signature does not match" in bad.output


def test_mortgage_gets_a_registration_proof(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    run_case(db, "first_registration", unit_code=unit_codes[3], holders=holders)
    m = {"amount": "2500000.50", "creditor": "东莞农村商业银行", "term_end": "2036-06-30"}
    number = run_case(db, "mortgage", unit_code=unit_codes[3], mortgage=m, through="issue")
    page = certificates.page_for_case(db, number)
    assert "不动产证明" in page and "不动产登记证明" in page and "抵押" in page
    data = json.loads(
        certificates.EMBED.search(page).group(1)  # type: ignore[union-attr]
    )
    assert data["body"]["restrictions"][0]["amount"] == "2500000.50"


def test_no_certificate_before_issue(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    number = run_case(db, "first_registration", unit_code=unit_codes[4], holders=holders)
    try:
        certificates.page_for_case(db, number)
    except CertificateNotFound as exc:
        assert exc.field == "public_number"
    else:
        raise AssertionError("a certificate before the issue step")


def test_right_terms_are_checked_naming_the_field(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    cases = [
        ({"nature": "gift"}, "right_terms.nature"),
        ({"nature": "grant", "term_start": "2006-13-01"}, "right_terms.term_start"),
        (
            {"nature": "grant", "term_start": "2076-01-01", "term_end": "2006-01-01"},
            "right_terms.term_end",
        ),
    ]
    for terms, field in cases:
        try:
            run_case(
                db,
                "first_registration",
                unit_code=unit_codes[6],
                holders=holders,
                right_terms=terms,
            )
        except InvalidInput as exc:
            assert exc.field == field
        else:
            raise AssertionError(f"{terms} accepted")
    number = run_case(
        db,
        "first_registration",
        unit_code=unit_codes[6],
        holders=[{**holders[0], "share": "1"}],
        right_terms={"nature": "allocation", "term_start": "1998-07-01"},
        through="issue",
    )
    page = certificates.page_for_case(db, number)
    assert "划拨" in page and "1998年7月1日起 无固定期限 no end" in page and "单独所有" in page


def test_another_domain_states_the_grant_terms(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    """A land sale (trading) opens the buyer's case with the contract's nature and term."""
    terms = {"nature": "grant", "term_start": "2026-12-03", "term_end": "2096-12-02"}
    number = handoff.open_case(
        db,
        case_type="first_registration",
        submitted_by="trading",
        unit_code=unit_codes[7],
        holders=holders,
        right_terms=terms,
        source=required_source("first_registration"),  # the sale's contract
    )
    for step, actor in (("accept", "li.wei"), ("review", "zhang.min"), ("enter", "wang.fang")):
        if step == "enter":
            end_notice(db, number)
        service.take_step(db, number, step, actor=actor, role="registrar")
    service.take_step(db, number, "issue", actor="li.wei", role="registrar")
    page = certificates.page_for_case(db, number)
    assert "出让 granted" in page and "2026年12月3日起 2096年12月2日止" in page


def test_cli_says_when_the_register_is_unreachable(
    db: Session,
    unit_codes: list[str],
    holders: list[dict[str, Any]],
    tmp_path: Path,
    settings: Settings,
) -> None:
    cert = tmp_path / "c.html"
    cert.write_text(_certificate(db, unit_codes[8], holders), encoding="utf-8")
    closed = free_port()  # nothing listens there
    override_settings(
        settings.model_copy(update={"database_url": f"postgresql://x@127.0.0.1:{closed}/x"})
    )
    try:
        r = runner.invoke(cadastre_cli, ["verify-certificate", str(cert)])
    finally:
        override_settings(settings)
    assert r.exit_code == 2 and "signature valid" in r.output
    assert "status unknown: the register is not reachable" in r.output
