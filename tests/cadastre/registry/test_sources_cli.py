"""Sources kept in the store named by SHA-256; the small CLI commands of the registry."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cadastre import handoff
from cadastre.cli import app as cadastre_cli
from cadastre.registry import signing
from gis.errors import InvalidInput
from gis.store import get_store
from tests.cadastre.registry.helpers import cleanup_unit, register_counts, run_case, untouched_unit

runner = CliRunner()


def test_source_file_is_kept_and_hash_checked(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]], tmp_path: Path
) -> None:
    plan = tmp_path / "contract.pdf"
    plan.write_bytes(b"%PDF-1.7 land-transfer contract 2026-11")
    digest = hashlib.sha256(plan.read_bytes()).hexdigest()
    number = handoff.open_case(
        db,
        case_type="first_registration",
        submitted_by="trading",
        unit_code=unit_codes[0],
        holders=holders,
        source={"kind": "contract", "title": "合同", "sha256": digest, "path": str(plan)},
    )
    row = db.execute(
        text(
            "SELECT s.sha256, s.path, s.size_bytes FROM source s JOIN case_document d "
            "ON d.source_id = s.id JOIN reg_case c ON c.id = d.case_id "
            "WHERE c.public_number = :n"
        ),
        {"n": number},
    ).one()
    assert row.sha256 == digest and row.path.endswith(digest)
    kept = get_store().local_path(row.path)  # the key of the copy in the (local) store
    assert row.path.startswith("sources/") and kept is not None
    assert kept.read_bytes() == plan.read_bytes()
    assert row.size_bytes == plan.stat().st_size


def test_source_with_wrong_hash_is_refused(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]], tmp_path: Path
) -> None:
    plan = tmp_path / "plan.dxf"
    plan.write_bytes(b"0\nSECTION\n")
    counts = register_counts(db)
    for source, field in [
        (
            {"kind": "contract", "title": "x", "sha256": "0" * 64, "path": str(plan)},
            "source.sha256",
        ),
        (
            {"kind": "contract", "title": "x", "sha256": None, "path": str(tmp_path / "no")},
            "source.path",
        ),
        ({"kind": "napkin", "title": "x"}, "source.kind"),
    ]:
        with pytest.raises(InvalidInput) as err:
            handoff.open_case(
                db,
                case_type="first_registration",
                submitted_by="t",
                unit_code=unit_codes[1],
                holders=holders,
                source=source,
            )
        assert err.value.field == field
    assert register_counts(db) == counts


def test_public_key_command_prints_our_key() -> None:
    r = runner.invoke(cadastre_cli, ["public-key"])
    assert r.exit_code == 0 and r.output == signing.public_key_pem()
    assert r.output.startswith("-----BEGIN PUBLIC KEY-----")


def test_verify_certificate_rejects_other_files(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<html><body>不动产登记证</body></html>", encoding="utf-8")
    r = runner.invoke(cadastre_cli, ["verify-certificate", str(page)])
    assert r.exit_code == 2 and "not a landgis certificate" in r.output
    r = runner.invoke(cadastre_cli, ["verify-certificate", str(tmp_path / "missing.html")])
    assert r.exit_code == 2


def test_certificate_command_reports_missing_case(tmp_path: Path) -> None:
    from cadastre.registry.errors import CaseNotFound

    out = tmp_path / "c.html"
    r = runner.invoke(cadastre_cli, ["certificate", "DJ2026010100000000", "--out", str(out)])
    assert r.exit_code == 1 and isinstance(r.exception, CaseNotFound)
    assert not out.exists()


def test_certificate_command_writes_a_page_that_verifies(
    engine: Engine, holders: list[dict[str, Any]], tmp_path: Path
) -> None:
    """Committed (the CLI opens its own session); everything made is removed afterwards."""
    with Session(engine) as s:
        code = untouched_unit(s, 2)
        seq = s.execute(text("SELECT coalesce(max(seq), 0) FROM journal")).scalar_one()
        try:
            number = run_case(
                s, "first_registration", unit_code=code, holders=holders, through="issue"
            )
            s.commit()
            out, pdf = tmp_path / "cert.html", tmp_path / "cert.pdf"
            r = runner.invoke(
                cadastre_cli, ["certificate", number, "--out", str(out), "--pdf", str(pdf)]
            )
            assert r.exit_code == 0, r.output
            assert pdf.read_bytes().startswith(b"%PDF-") and pdf.stat().st_size > 5000
            r = runner.invoke(cadastre_cli, ["verify-certificate", str(out)])
            assert r.exit_code == 0 and code in r.output and "unaltered" in r.output
            r = runner.invoke(cadastre_cli, ["verify-certificate", str(pdf)])
            assert r.exit_code == 0 and code in r.output and "printed facts match" in r.output
        finally:
            s.rollback()
            cleanup_unit(s, code, seq, [h["id_number"] for h in holders])
