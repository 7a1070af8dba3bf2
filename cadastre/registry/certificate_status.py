"""What a certificate is worth now: genuine or not, current, superseded or cancelled.

The status is read from the register, never stored, so it cannot disagree with it:

- a 不动产权证书 (first registration, transfer, change, correction) is **superseded** by
  the next right case entered on its unit (the holder sold, the holders changed, the
  register was corrected): by that case's certificate, on the day it was entered;
- any certificate is **cancelled** when its unit was cancelled (注销登记), or when its
  parcel was retired by a split or merge (the successor units are named);
- a 不动产登记证明 (mortgage, objection, advance notice) is **cancelled** when the
  restriction it proves ended (discharged, released, lapsed);
- otherwise it is **current**.

The public answer (:class:`CertificateStatus`) carries no names or ID numbers: only
the certificate's number, unit code, dates and the types of restrictions now on the unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from cadastre.registry import repository as repo
from cadastre.registry import signing
from cadastre.registry.certificate_facts import zh_date
from cadastre.registry.certificates import CertificateCheck
from cadastre.registry.journal import append, canonical_json
from cadastre.registry.models import Certificate, RegCase
from cadastre.registry.rules import RESTRICTION_TYPES
from cadastre.registry.service import clock

RIGHT_CASES = ("first_registration", "transfer", "change", "correction")
PROOF_RESTRICTIONS = {"mortgage", "objection", "advance_notice"}
Status = Literal["current", "superseded", "cancelled", "unknown"]
STATUS_NAMES = {
    "current": ("现势有效", "current"),
    "superseded": ("已被取代", "superseded"),
    "cancelled": ("已注销", "cancelled"),
    "unknown": ("查无此证", "not a certificate of this register"),
}

LATER_RIGHT_SQL = """
SELECT c.public_number, c.entered_at, k.number FROM reg_case c
LEFT JOIN certificate k ON k.case_id = c.id
WHERE c.unit_code = :code AND c.id <> :id AND c.entered_at > :at
  AND c.case_type = ANY(:types) ORDER BY c.entered_at, c.id LIMIT 1
"""
CANCELLED_SQL = """
SELECT c.public_number, c.entered_at FROM reg_case c WHERE c.unit_code = :code
  AND c.case_type = 'cancellation' AND c.entered_at > :at ORDER BY c.entered_at LIMIT 1
"""
RETIRED_SQL = """
SELECT e.at, coalesce(array_agg(DISTINCT ch.unit_code ORDER BY ch.unit_code)
                      FILTER (WHERE ch.unit_code IS NOT NULL), '{}') AS successors
FROM parcel p JOIN parcel_lineage l ON l.parent_id = p.id JOIN parcel_edit e ON e.id = l.edit_id
LEFT JOIN parcel ch ON ch.id = l.child_id
WHERE p.unit_code = :code AND p.end_lifespan IS NOT NULL AND e.at > :at
  AND NOT EXISTS (SELECT 1 FROM parcel q WHERE q.unit_code = :code AND q.end_lifespan IS NULL)
  AND coalesce(ch.unit_code, '') <> :code
GROUP BY e.id, e.at ORDER BY e.at LIMIT 1
"""
PROOF_RRR_SQL = """
SELECT r.rrr_type, r.end_lifespan, r.expires_at FROM rrr r
WHERE r.case_id = :id AND r.unit_code = :code AND r.kind = 'restriction' ORDER BY r.id LIMIT 1
"""


@dataclass
class CertificateStatus:
    """A certificate's status as the register stands now (public: no personal data)."""

    certificate_number: str
    genuine: bool
    status: Status
    unit_code: str | None = None
    kind: str | None = None  # right (不动产权证书) or proof (不动产登记证明)
    issued_on: str | None = None
    since: str | None = None  # the day it stopped being current
    superseded_by: str | None = None
    superseded_by_case: str | None = None
    successor_units: list[str] = field(default_factory=list)
    restrictions: list[dict[str, str]] = field(default_factory=list)
    checked_at: str = ""

    @property
    def current(self) -> bool:
        return self.genuine and self.status == "current"

    def sentence(self) -> tuple[str, str]:
        """The verdict as one sentence, Chinese and English."""
        if not self.genuine:
            return ("查无此证或证书数据被改动", "not a genuine certificate of this register")
        if self.status == "current":
            return ("证书真实，现势有效", "genuine and current")
        on = zh_date(self.since)
        if self.status == "superseded":
            by = self.superseded_by or f"业务{self.superseded_by_case}"
            return (f"证书真实，但已于{on}被{by}取代", f"genuine, but superseded on {on} by {by}")
        if self.successor_units:
            units = "、".join(self.successor_units)
            return (
                f"证书真实，但不动产单元已于{on}因分割/合并注销，现为{units}",
                f"genuine, but its unit was retired on {on} by a split or merge into {units}",
            )
        return (f"证书真实，但已于{on}注销", f"genuine, but cancelled on {on}")

    def as_dict(self) -> dict[str, Any]:
        zh, en = self.sentence()
        name_zh, name_en = STATUS_NAMES[self.status]
        return {
            "certificate_number": self.certificate_number,
            "genuine": self.genuine,
            "current": self.current,
            "status": self.status,
            "status_name_zh": name_zh,
            "status_name_en": name_en,
            "verdict_zh": zh,
            "verdict_en": en,
            "unit_code": self.unit_code,
            "kind": self.kind,
            "issued_on": self.issued_on,
            "superseded_on": self.since if self.status == "superseded" else None,
            "cancelled_on": self.since if self.status == "cancelled" else None,
            "superseded_by": self.superseded_by,
            "superseded_by_case": self.superseded_by_case,
            "successor_units": self.successor_units,
            "restrictions": self.restrictions,
            "checked_at": self.checked_at,
        }


def certificate_status(session: Session, number: str) -> CertificateStatus:
    """The status of the certificate numbered ``number`` now (``unknown`` if none)."""
    now = clock(session)
    cert = session.scalars(select(Certificate).where(Certificate.number == number)).first()
    if cert is None:
        return CertificateStatus(number, False, "unknown", checked_at=now.isoformat())
    case = session.get(RegCase, cert.case_id)
    assert case is not None and case.unit_code is not None and case.entered_at is not None
    out = CertificateStatus(
        number,
        _genuine(cert),
        "current",
        unit_code=case.unit_code,
        kind="right" if case.case_type in RIGHT_CASES else "proof",
        issued_on=cert.issued_at.isoformat(),
        checked_at=now.isoformat(),
    )
    _apply_events(session, out, case, now)
    out.restrictions = restrictions_now(session, case.unit_code, now)
    return out


def _apply_events(session: Session, out: CertificateStatus, case: RegCase, now: datetime) -> None:
    """Set the earliest event that ended the certificate (if any) on ``out``."""
    code, at = case.unit_code, case.entered_at
    events: list[tuple[datetime, str, dict[str, Any]]] = []
    if case.case_type in RIGHT_CASES:
        row = session.execute(
            text(LATER_RIGHT_SQL),
            {"code": code, "id": case.id, "at": at, "types": list(RIGHT_CASES)},
        ).first()
        if row is not None:
            by = {"superseded_by": row.number, "superseded_by_case": row.public_number}
            events.append((row.entered_at, "superseded", by))
    else:
        proof = session.execute(text(PROOF_RRR_SQL), {"id": case.id, "code": code}).first()
        if proof is not None and proof.end_lifespan is not None:
            events.append((proof.end_lifespan, "cancelled", {}))
        elif proof is not None and proof.expires_at is not None and proof.expires_at <= now:
            events.append((proof.expires_at, "cancelled", {}))
    row = session.execute(text(CANCELLED_SQL), {"code": code, "at": at}).first()
    if row is not None:
        events.append((row.entered_at, "cancelled", {}))
    row = session.execute(text(RETIRED_SQL), {"code": code, "at": at}).first()
    if row is not None:
        events.append((row.at, "cancelled", {"successor_units": list(row.successors)}))
    if not events:
        return
    when, status, extra = min(events, key=lambda e: e[0])
    out.status = status  # type: ignore[assignment]
    out.since = when.isoformat()
    for key, value in extra.items():
        setattr(out, key, value)


def restrictions_now(session: Session, unit_code: str, now: datetime) -> list[dict[str, str]]:
    """Types of the restrictions in force on the unit now (抵押, 查封, 异议, 预告), with the
    day each began; no creditor, amount or party."""
    seen: dict[str, str] = {}
    for r in repo.rrrs_as_of(session, unit_code, now):
        if r.kind == "restriction" and r.rrr_type not in seen:
            seen[r.rrr_type] = r.begin_lifespan.isoformat()
    return [
        {
            "type": t,
            "name_zh": RESTRICTION_TYPES[t][0],
            "name_en": RESTRICTION_TYPES[t][1],
            "since": since,
        }
        for t, since in sorted(seen.items())
    ]


def _genuine(cert: Certificate) -> bool:
    """The stored certificate still verifies with this registry's key."""
    key = signing.private_key().public_key()
    return signing.verify(key, canonical_json(cert.body), cert.signature)


def file_status(
    session: Session, check: CertificateCheck, channel: str
) -> CertificateStatus | None:
    """The register's status of a checked certificate file (None when its signature failed),
    journaled; a file whose signed body differs from the stored one is not genuine."""
    if not check.ok or not check.number:
        return None
    status = certificate_status(session, check.number)
    if status.genuine and check.body is not None:
        stored = session.scalars(
            select(Certificate.body).where(Certificate.number == check.number)
        ).one()
        status.genuine = canonical_json(stored) == canonical_json(check.body)
    journal_check(session, status, channel)
    return status


def journal_check(session: Session, status: CertificateStatus, channel: str) -> None:
    """Journal one verification: the number, what was answered and through which channel
    (page, api, file, cli); never who asked."""
    append(
        session,
        "certificate_verified",
        {
            "certificate_number": status.certificate_number[:64],
            "status": status.status,
            "genuine": status.genuine,
            "channel": channel,
        },
        unit_code=status.unit_code,
    )
