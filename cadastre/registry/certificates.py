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

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from cadastre.registry import repository as repo
from cadastre.registry import signing
from cadastre.registry.certificate_page import render
from cadastre.registry.errors import CaseNotFound, CertificateNotFound
from cadastre.registry.holders import rights_with_holders
from cadastre.registry.journal import canonical_json
from cadastre.registry.models import Certificate, RegCase
from cadastre.registry.rules import CASE_TYPES, RESTRICTION_TYPES
from gis import landuse

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
    }
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
        }
    return json.loads(canonical_json(body))


def page(cert: Certificate) -> str:
    """The certificate's printable HTML page (deterministic for a given body and signature)."""
    key = signing.private_key().public_key()
    return render(cert.body, cert.signature, signing.key_id(key))


def page_for_case(session: Session, public_number: str) -> str:
    case = repo.case_by_number(session, public_number)
    if case is None:
        raise CaseNotFound(f"no case has number {public_number}", field="public_number")
    cert = session.scalars(select(Certificate).where(Certificate.case_id == case.id)).first()
    if cert is None:
        raise CertificateNotFound(
            f"case {public_number} has no certificate; it is {case.status}", field="public_number"
        )
    return page(cert)


@dataclass
class CertificateCheck:
    ok: bool
    reason: str
    number: str | None = None
    unit_code: str | None = None


def verify_page(html: str, public_key_pem: bytes | None = None) -> CertificateCheck:
    """Check a saved certificate page offline: signature, then that the page is unedited."""
    match = EMBED.search(html)
    if match is None:
        return CertificateCheck(False, "no embedded certificate data: not a landgis certificate")
    try:
        data = json.loads(match.group(1).replace("<\\/", "</"))
        body, sig = data["body"], data["signature"]
    except (ValueError, KeyError, TypeError):
        return CertificateCheck(False, "the embedded certificate data is damaged")
    try:
        key = (
            signing.load_public_key(public_key_pem) if public_key_pem else signing.own_public_key()
        )
    except (ValueError, FileNotFoundError) as exc:
        return CertificateCheck(False, f"no usable public key: {exc}")
    number, code = body.get("certificate_number"), body.get("unit_code")
    if not signing.verify(key, canonical_json(body), sig):
        return CertificateCheck(
            False, "signature does not match: data altered or another key", number, code
        )
    if render(body, sig, signing.key_id(key)) != html:
        return CertificateCheck(
            False, "signature valid, but the visible page was edited", number, code
        )
    return CertificateCheck(True, "signature valid and page unaltered", number, code)
