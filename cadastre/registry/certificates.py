"""Registration certificates: a printable HTML page signed with Ed25519, checkable offline.

The signed body is canonical JSON (unit code, holders and shares, area, land use,
restrictions and the parcel outline in EPSG:4547 metres). The page is a deterministic
rendering of that body with the body and signature embedded, so
:func:`verify_page` can check the signature and that the visible page was not edited.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from cadastre.registry import certificate_facts as facts
from cadastre.registry import pdf, signing
from cadastre.registry import repository as repo
from cadastre.registry.certificate_page import render
from cadastre.registry.errors import CaseNotFound, CertificateNotFound
from cadastre.registry.holders import rights_with_holders
from cadastre.registry.journal import canonical_json
from cadastre.registry.models import Certificate, RegCase
from cadastre.registry.rules import CASE_TYPES, RESTRICTION_TYPES
from gis import landuse
from gis.settings import get_settings

RIGHT_CASES = {"first_registration", "transfer", "change", "correction"}
EMBED = re.compile(r'<script type="application/json" id="landgis-certificate">(.*?)</script>', re.S)
OUTLINE_SQL = """
WITH p AS (SELECT ST_Transform(geom, 4547) AS g FROM parcel WHERE id = :id)
SELECT ST_AsGeoJSON(ST_Translate(p.g, -ST_XMin(p.g), -ST_YMin(p.g)), 1) AS outline,
       ST_XMax(p.g) - ST_XMin(p.g) AS w, ST_YMax(p.g) - ST_YMin(p.g) AS h,
       (SELECT coalesce(json_agg(ST_AsGeoJSON(ST_Translate(ST_Transform(n.geom, 4547),
                -ST_XMin(p.g), -ST_YMin(p.g)), 1)::json ORDER BY n.id), '[]')
          FROM parcel n WHERE n.end_lifespan IS NULL AND n.id <> :id
           AND ST_DWithin(n.geom, (SELECT geom FROM parcel WHERE id = :id), 0.0005)) AS nbrs
FROM p
"""


def issue(session: Session, case: RegCase) -> Certificate:
    """Sign and store the certificate of an entered case (one per case)."""
    at = case.updated_at
    body = certificate_body(session, case, at)
    number = _number(session, case, at)
    body["certificate_number"] = number
    body["verification_url"] = facts.verification_url(number)
    sig = signing.sign(canonical_json(body))
    cert = Certificate(number=number, case_id=case.id, body=body, signature=sig, issued_at=at)
    session.add(cert)
    session.flush()
    return cert


def _number(session: Session, case: RegCase, at: datetime) -> str:
    # numbers run without gaps: serialise issuing until the transaction ends
    session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended('certificate', 0))"))
    seq = session.execute(text("SELECT count(*) + 1 FROM certificate")).scalar_one()
    kind = "不动产权" if case.case_type in RIGHT_CASES else "不动产证明"
    return f"粤({at.year})东莞市{kind}第{int(seq):07d}号"


def certificate_body(session: Session, case: RegCase, at: datetime) -> dict[str, Any]:
    """What the certificate states, as the register stands at ``at``."""
    code = case.unit_code
    assert code is not None
    parcel = repo.parcel_as_of(session, code, at)
    rrrs = repo.rrrs_as_of(session, code, at)
    ct = CASE_TYPES[case.case_type]
    body: dict[str, Any] = {
        "case_number": case.public_number,
        "case_type": case.case_type,
        "case_type_name_zh": ct.name_zh,
        "case_type_name_en": ct.name_en,
        "unit_code": code,
        "entered_at": case.entered_at.isoformat() if case.entered_at else None,
        "issued_at": at.isoformat(),
        "holders": [
            {k: v for k, v in h.items() if k not in ("uid", "since", "kind", "type_name_en")}
            for h in rights_with_holders(session, rrrs, at)
        ],
        "restrictions": [
            {
                "type": r.rrr_type,
                "name_zh": RESTRICTION_TYPES[r.rrr_type][0],
                "amount": str(r.amount) if r.amount is not None else None,
            }
            for r in rrrs
            if r.kind == "restriction"
        ],
        "parcel": None,
        "authority": get_settings().registry_authority,
    }
    if case.case_type in RIGHT_CASES:
        body["right"] = facts.right_facts(session, code, body["holders"], at)
    if parcel is not None:
        zh, en = landuse.names(parcel.land_use)
        row = session.execute(text(OUTLINE_SQL), {"id": parcel.id}).one()
        body["parcel"] = {
            "area_m2": str(parcel.area_m2),
            "land_use": parcel.land_use,
            "land_use_name_zh": zh,
            "land_use_name_en": en,
            "outline_4547": json.loads(row.outline),
            "neighbours_4547": row.nbrs if isinstance(row.nbrs, list) else json.loads(row.nbrs),
            "extent_m": [round(float(row.w), 1), round(float(row.h), 1)],
            "location_zh": facts.location(session, parcel.id),
        }
    return json.loads(canonical_json(body))


def page(cert: Certificate) -> str:
    """The certificate's printable HTML page (deterministic for a given body and signature)."""
    key = signing.private_key().public_key()
    return render(cert.body, cert.signature, signing.key_id(key))


def pdf_for_case(session: Session, public_number: str) -> bytes:
    """The certificate as a PDF carrying its signed payload (attached and as a QR code)."""
    cert = certificate_for_case(session, public_number)
    key = signing.private_key().public_key()
    return pdf.certificate_pdf(cert.body, cert.signature, signing.key_id(key))


def page_for_case(session: Session, public_number: str) -> str:
    return page(certificate_for_case(session, public_number))


def certificate_for_case(session: Session, public_number: str) -> Certificate:
    case = repo.case_by_number(session, public_number)
    if case is None:
        raise CaseNotFound(f"no case has number {public_number}", field="public_number")
    cert = session.scalars(select(Certificate).where(Certificate.case_id == case.id)).first()
    if cert is None:
        raise CertificateNotFound(
            f"case {public_number} has no certificate; it is {case.status}", field="public_number"
        )
    return cert


@dataclass
class CertificateCheck:
    ok: bool
    reason: str
    number: str | None = None
    unit_code: str | None = None
    field: str | None = None  # what failed, for the API's problem body
    body: dict[str, Any] | None = None  # the signed body, when the signature is valid


def verify_file(data: bytes, public_key_pem: bytes | None = None) -> CertificateCheck:
    """Check a saved certificate offline, PDF or HTML page (told apart by their first bytes)."""
    if data[:5] == b"%PDF-":
        return verify_pdf(data, public_key_pem)
    try:
        html = data.decode("utf-8")
    except UnicodeDecodeError:
        return CertificateCheck(False, "corrupt file: neither a PDF nor an HTML page", field="file")
    return verify_page(html, public_key_pem)


def verify_page(html: str, public_key_pem: bytes | None = None) -> CertificateCheck:
    """Check a saved certificate page offline: signature, then that the page is unedited."""
    match = EMBED.search(html)
    if match is None:
        return CertificateCheck(
            False, "no embedded certificate data: not a landgis certificate", field="file"
        )
    signed = _signed(match.group(1).replace("<\\/", "</"), public_key_pem)
    if isinstance(signed, CertificateCheck):
        return signed
    body, sig, key = signed
    number, code = body.get("certificate_number"), body.get("unit_code")
    if render(body, sig, signing.key_id(key)) != html:
        return CertificateCheck(
            False, "signature valid, but the visible page was edited", number, code, "page"
        )
    return CertificateCheck(True, "signature valid and page unaltered", number, code, body=body)


def verify_pdf(data: bytes, public_key_pem: bytes | None = None) -> CertificateCheck:
    """Check a certificate PDF offline: its attached payload's signature, then the printed facts."""
    try:
        embedded = pdf.read_payload(data)
        text = pdf.printed_text(data) if embedded else ""
    except pdf.NotAPdf as exc:
        return CertificateCheck(False, f"corrupt file: {exc}", field="file")
    if embedded is None:
        return CertificateCheck(
            False, "no certificate payload in this PDF: not a landgis certificate", field="file"
        )
    signed = _signed(embedded, public_key_pem)
    if isinstance(signed, CertificateCheck):
        return signed
    body = signed[0]
    number, code = body.get("certificate_number"), body.get("unit_code")
    printed = PRINTED_NUMBER.search(text)
    if printed is not None and printed.group(0) != number:
        return CertificateCheck(
            False,
            f"payload swapped: the page prints {printed.group(0)}, the signed payload is {number}",
            number,
            code,
            "certificate_number",
        )
    for field, value in printed_facts(body):
        # PDFs printed before dates were written 2026年12月3日 show the ISO instant
        olds = [str(body["issued_at"])] if field == "issued_at" else []
        if not any("".join(v.split()) in text for v in [value, *olds]):
            return CertificateCheck(
                False,
                f"signature valid, but the printed page does not show its {field} {value}",
                number,
                code,
                field,
            )
    return CertificateCheck(
        True, "signature valid and printed facts match", number, code, body=body
    )


PRINTED_NUMBER = re.compile(r"粤\(\d{4}\)[^第]{1,20}第\d{7}号")


def printed_facts(body: dict[str, Any]) -> list[tuple[str, str]]:
    """The signed facts a printed certificate must show, as (field, text) pairs."""
    out = [
        ("certificate_number", str(body.get("certificate_number", ""))),
        ("unit_code", str(body["unit_code"])),
        ("case_number", str(body["case_number"])),
        ("issued_at", facts.zh_date(body["issued_at"])),
    ]
    if body.get("authority"):
        out.append(("authority", str(body["authority"])))
    if body.get("parcel"):
        out.append(("area_m2", str(body["parcel"]["area_m2"])))
        out.append(("land_use", str(body["parcel"]["land_use"])))
        if body["parcel"].get("location_zh"):
            out.append(("location", str(body["parcel"]["location_zh"])))
    if body.get("right"):
        out.append(("right.type", str(body["right"]["type_zh"])))
        out.append(("right.nature", str(body["right"]["nature_zh"])))
    for h in body["holders"]:
        for m in [h, *h.get("members", [])]:
            out += [(f"holders.{k}", str(m[k])) for k in ("name", "id_number", "share") if m[k]]
    return out


def _signed(
    embedded: str, public_key_pem: bytes | None
) -> CertificateCheck | tuple[dict[str, Any], str, Ed25519PublicKey]:
    """Parse an embedded payload and check its signature: (body, signature, key), or the failure."""
    try:
        data = json.loads(embedded)
        body, sig = data["body"], data["signature"]
        if not isinstance(body, dict) or not isinstance(sig, str):
            raise TypeError("body or signature of the wrong type")
    except (ValueError, KeyError, TypeError):
        return CertificateCheck(False, "the embedded certificate data is damaged", field="payload")
    try:
        key = (
            signing.load_public_key(public_key_pem) if public_key_pem else signing.own_public_key()
        )
    except (ValueError, FileNotFoundError) as exc:
        return CertificateCheck(False, f"no usable public key: {exc}", field="public_key")
    if not signing.verify(key, canonical_json(body), sig):
        return CertificateCheck(
            False,
            "signature does not match: data altered or another key",
            body.get("certificate_number"),
            body.get("unit_code"),
            "signature",
        )
    return body, sig, key
