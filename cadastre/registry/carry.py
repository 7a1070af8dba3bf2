"""Rights and restrictions follow a parcel through split, merge and boundary adjustment.

Called by :mod:`cadastre.parcels.service` (through :mod:`cadastre.handoff`) inside the
edit's own transaction, at the edit's instant ``at``, so a failure leaves nothing:

- every open RRR record of the parent units ends at ``at`` (``end_lifespan``);
- each live one (lapsed objections and notices are left behind) is copied to every
  successor unit with the same holder, exact share, amount, creditor, term and case,
  ``begin_lifespan = at``, and a ``rrr_carry`` row from the record it was carried from;
- the parents' BAUnits end and each successor gets one;
- one journal entry names the units, the edit and the carried records' uids and
  shares (never names or ID numbers).

A split (分割) gives each part the parent's rights and restrictions (a mortgage covers
every part until released; a seizure stays on every part). A merge (合并) needs the
same holders with the same shares on every parent (:class:`HoldersDiffer` otherwise);
the merged unit carries one copy of those rights and every parent's restrictions.
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadastre.registry import journal
from cadastre.registry import repository as repo
from cadastre.registry.errors import HoldersDiffer, UnitSeized
from cadastre.registry.models import RRR, BAUnit, RRRCarry
from cadastre.registry.rules import EDITS_BLOCKED_WHILE_SEIZED, RESTRICTION_TYPES, RIGHT_TYPES

ALL_TYPES = set(RIGHT_TYPES) | set(RESTRICTION_TYPES)
HolderKey = tuple[str, int | None, Fraction]


def live_records(session: Session, unit_code: str, at: datetime) -> list[RRR]:
    """The RRR records in force on ``unit_code`` at ``at`` (lapsed ones left out), by id."""
    return list(
        session.scalars(
            select(RRR)
            .where(
                RRR.unit_code == unit_code,
                RRR.begin_lifespan <= at,
                RRR.end_lifespan.is_(None) | (RRR.end_lifespan > at),
                RRR.expires_at.is_(None) | (RRR.expires_at > at),
            )
            .order_by(RRR.id)
        )
    )


def _key(r: RRR) -> HolderKey:
    share = Fraction(r.share_num or 1, r.share_den or 1)
    return (r.rrr_type, r.party_uid, share)


def _rights(records: list[RRR]) -> list[RRR]:
    """The right records (holder and share), in a canonical order for comparison."""
    return sorted((r for r in records if r.kind == "right"), key=lambda r: (_key(r), r.id))


def _locked_records(session: Session, unit_codes: list[str], at: datetime) -> dict[str, list[RRR]]:
    """Serialise with registrations on these units (case entry), then read their records."""
    for code in sorted(unit_codes):
        repo.lock_unit(session, code)
    return {code: live_records(session, code, at) for code in unit_codes}


def _check_not_seized(records: dict[str, list[RRR]], operation: str) -> None:
    if operation not in EDITS_BLOCKED_WHILE_SEIZED:
        return
    for code, rs in records.items():
        if any(r.rrr_type == "seizure" for r in rs):
            raise UnitSeized(
                f"parcel {code} is seized (查封) and cannot be edited ({operation})",
                field="unit_code",
            )


def _check_same_holders(records: dict[str, list[RRR]]) -> None:
    """Parents to merge must have the same holders with the same shares (rights only)."""
    codes = sorted(records)
    first = [_key(r) for r in _rights(records[codes[0]])]
    differing = [c for c in codes[1:] if [_key(r) for r in _rights(records[c])] != first]
    if not differing:
        return
    named = [codes[0], *differing]
    raise HoldersDiffer(
        f"parcels {', '.join(named)} cannot be merged: the right holders or shares of "
        f"{', '.join(differing)} differ from those of {codes[0]}; register a transfer first "
        "so that every parcel has the same holders with the same shares",
        field="unit_codes",
        unit_codes=named,
        detail_zh=(
            f"宗地{'、'.join(differing)}与宗地{codes[0]}的权利人或权利份额不一致，不能合并；"
            "请先办理转移登记，使各宗地权利人及份额相同"
        ),
    )


def check_merge(session: Session, unit_codes: list[str], at: datetime) -> None:
    """Refuse a merge of seized parcels (UnitSeized) or of differing holders (HoldersDiffer)."""
    records = _locked_records(session, unit_codes, at)
    _check_not_seized(records, "merge")
    _check_same_holders(records)


def _sources(records: dict[str, list[RRR]], parents: list[str]) -> list[tuple[RRR, list[RRR]]]:
    """(record to copy, records it is carried from): the first parent's rights, matched with
    the equal right of every other parent, then every parent's restrictions."""
    rights = [_rights(records[c]) for c in parents]
    out = [(group[0], list(group)) for group in zip(*rights, strict=True)]
    for code in parents:
        out += [(r, [r]) for r in records[code] if r.kind == "restriction"]
    return out


def carry(
    session: Session,
    *,
    operation: str,
    edit_id: int,
    parents: list[str],
    children: list[tuple[str, int]],
    at: datetime,
) -> dict[str, Any] | None:
    """Carry the live RRRs of ``parents`` to ``children`` ((unit code, parcel uid) each),
    end the parents' records and units at ``at`` and journal it; None if nothing was
    registered on the parents."""
    parents = sorted(parents)
    records = _locked_records(session, parents, at)
    _check_not_seized(records, operation)
    if len(parents) > 1:
        _check_same_holders(records)
    units = [u for u in (repo.baunit_as_of(session, c) for c in parents) if u is not None]
    if not units and not any(records.values()):
        return None
    sources = _sources(records, parents)
    closed = sum(repo.close_rrrs(session, c, at, ALL_TYPES) for c in parents)
    copies = [(code, template, froms) for code, _ in children for template, froms in sources]
    rows = [_copy(template, code, at) for code, template, _ in copies]
    session.add_all(rows)
    _replace_units(session, units, children, at)
    session.flush()
    session.add_all(
        RRRCarry(from_id=f.id, to_id=row.id, edit_id=edit_id)
        for row, (_, _, froms) in zip(rows, copies, strict=True)
        for f in froms
    )
    summary = {
        "operation": operation,
        "edit_id": edit_id,
        "from": parents,
        "to": [code for code, _ in children],
        "closed": closed,
        "carried": [
            {
                "unit_code": row.unit_code,
                "uid": row.uid,
                "type": row.rrr_type,
                "share": f"{row.share_num}/{row.share_den}" if row.share_den else None,
                "from_uids": [f.uid for f in froms],
            }
            for row, (_, _, froms) in zip(rows, copies, strict=True)
        ],
    }
    journal.append(
        session,
        "rrr_carried",
        summary,
        unit_code=parents[0] if len(parents) == 1 else None,
        at=at,
    )
    return summary


def _copy(r: RRR, unit_code: str, at: datetime) -> RRR:
    return RRR(
        unit_code=unit_code,
        kind=r.kind,
        rrr_type=r.rrr_type,
        party_uid=r.party_uid,
        share_num=r.share_num,
        share_den=r.share_den,
        amount=r.amount,
        creditor=r.creditor,
        term_end=r.term_end,
        expires_at=r.expires_at,
        case_id=r.case_id,
        source_id=r.source_id,
        begin_lifespan=at,
    )


def _replace_units(
    session: Session, units: list[BAUnit], children: list[tuple[str, int]], at: datetime
) -> None:
    """End the parents' BAUnits at ``at`` and open one per successor."""
    status = units[0].status if units else "active"
    for u in units:
        u.end_lifespan = at
    session.add_all(
        BAUnit(unit_code=code, parcel_uid=parcel_uid, status=status, begin_lifespan=at)
        for code, parcel_uid in children
    )
