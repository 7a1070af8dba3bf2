"""Certificate PDFs verify offline like the page: signed payload attached and as a QR code."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pypdfium2
import zxingcpp
from fastapi.testclient import TestClient
from pypdf import PdfReader, PdfWriter
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cadastre.cli import app as cadastre_cli
from cadastre.registry import certificates, pdf
from tests.cadastre.registry.helpers import run_case

runner = CliRunner()


def _pdf(db: Session, code: str, holders: list[dict[str, Any]]) -> bytes:
    number = run_case(db, "first_registration", unit_code=code, holders=holders, through="issue")
    return certificates.pdf_for_case(db, number)


def _verify(tmp_path: Path, data: bytes) -> tuple[int, str]:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(data)
    r = runner.invoke(cadastre_cli, ["verify-certificate", str(path), "--offline"])
    assert r.output.count("\n") == 1, r.output  # one line
    return r.exit_code, r.output


def _blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_verifies_and_prints_what_it_signs(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]], tmp_path: Path
) -> None:
    data = _pdf(db, unit_codes[0], holders)
    payload = pdf.read_payload(data)
    assert payload is not None
    body = json.loads(payload)["body"]
    assert body["unit_code"] == unit_codes[0]
    text = pdf.printed_text(data)
    for field, value in certificates.printed_facts(body):
        assert value.replace(" ", "") in text, field
    code, out = _verify(tmp_path, data)
    assert code == 0, out
    assert "signature valid and printed facts match" in out and unit_codes[0] in out
    assert body["certificate_number"] in out


def test_pdf_qr_codes_hold_the_payload_and_the_verification_url(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    data = _pdf(db, unit_codes[1], holders)
    document = pypdfium2.PdfDocument(data)
    try:
        assert len(document) == 1  # one sheet: both QR codes sit beside the parcel map
        image = document[0].render(scale=300 / 72).to_pil()  # 300 dpi, as a scanner would
    finally:
        document.close()
    found = zxingcpp.read_barcodes(image)
    codes = sorted(
        (b for b in found if b.format == zxingcpp.BarcodeFormat.QRCode), key=lambda b: len(b.bytes)
    )
    assert len(codes) == 2
    payload = pdf.read_payload(data)
    assert payload is not None
    url = json.loads(payload)["body"]["verification_url"]
    assert codes[0].text == url and "/verify/" in url
    assert pdf.payload_from_qr(codes[1].bytes) == payload


def test_flipped_byte_in_the_payload_is_refused(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]], tmp_path: Path
) -> None:
    data = _pdf(db, unit_codes[2], holders)
    at = data.index(b'"share":"1/2"') + len(b'"share":"1/')
    flipped = data[:at] + b"3" + data[at + 1 :]  # 1/2 -> 1/3, same length
    assert pdf.read_payload(flipped) != pdf.read_payload(data)
    code, out = _verify(tmp_path, flipped)
    assert code == 2 and "signature does not match" in out
    check = certificates.verify_file(flipped)
    assert not check.ok and check.field == "signature"


def test_another_certificates_payload_is_refused(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]], tmp_path: Path
) -> None:
    mine, theirs = _pdf(db, unit_codes[3], holders), _pdf(db, unit_codes[4], holders)
    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(mine)).pages:
        writer.add_page(page)
    other = pdf.read_payload(theirs)
    assert other is not None
    writer.add_attachment(pdf.ATTACHMENT, other.encode())
    out = io.BytesIO()
    writer.write(out)
    code, msg = _verify(tmp_path, out.getvalue())
    assert code == 2 and "payload swapped" in msg
    check = certificates.verify_file(out.getvalue())
    assert check.field == "certificate_number"
    assert check.number == json.loads(other)["body"]["certificate_number"]


def test_pdf_made_by_another_tool_has_no_payload(tmp_path: Path) -> None:
    code, out = _verify(tmp_path, _blank_pdf())
    assert code == 2 and "no certificate payload" in out


def test_corrupt_files_are_refused(tmp_path: Path) -> None:
    for data in (b"%PDF-1.7\n" + bytes(range(256)) * 8, b"\x89PNG\r\n\x1a\n\xff\xfe\x00"):
        code, out = _verify(tmp_path, data)
        assert code == 2 and "corrupt file" in out
    assert certificates.verify_file(b"%PDF-1.4 garbage").field == "file"


def test_api_serves_and_verifies_pdf_certificates(
    client: TestClient, auth: Any, unit_codes: list[str], holders: list[dict[str, Any]], db: Session
) -> None:
    number = run_case(
        db, "first_registration", unit_code=unit_codes[5], holders=holders, through="issue"
    )
    r = client.get(f"/api/v1/cases/{number}/certificate.pdf", headers=auth("registrar"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    data = r.content

    def verify(content: bytes) -> Any:
        files = {"file": ("certificate.pdf", content, "application/pdf")}
        return client.post("/api/v1/certificates/verify", files=files)

    ok = verify(data)
    assert ok.status_code == 200 and ok.json()["valid"] is True
    assert ok.json()["unit_code"] == unit_codes[5]
    at = data.index(b'"share":"1/2"') + len(b'"share":"1/')
    cases = [
        (data[:at] + b"3" + data[at + 1 :], "signature"),
        (_blank_pdf(), "file"),
        (b"%PDF-1.7\n\x00\x01", "file"),
    ]
    for content, field in cases:
        bad = verify(content)
        assert bad.status_code == 422
        assert bad.headers["content-type"].startswith("application/problem+json")
        assert bad.json()["field"] == field
