"""Entering a case in the register (登簿): what each case type changes.

:func:`enter` is what the service calls: inside a savepoint it locks the unit, reads
the clock, re-checks the register and the rights the case acts on (both may have
changed since acceptance), applies the case, and has the database check its one-owner
constraint right away (so a breach is a 409 naming the unit, not a failed commit).
Every change of one case lands, or none.
Each change closes current versions (``end_lifespan = at``) and opens new ones
(``begin_lifespan = at``). Returns a summary for the journal: unit codes, party uids
and shares, never names or ID numbers.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cadastre.registry import basis, spatial
from cadastre.registry import repository as repo
from cadastre.registry.errors import RightChanged
from cadastre.registry.models import RRR, BAUnit, CaseDocument, Party, PartyMember, RegCase
from cadastre.registry.rules import ADVANCE_NOTICE_LAPSE_DAYS, OBJECTION_LAPSE_DAYS
from cadastre.registry.validation import check_holder_names, check_register
from cadastre.unit_code import parse_unit_code
from gis.errors import InvalidInput

RIGHT_TYPES = {"ownership", "use_right"}
LAPSE_DAYS = {"objection": OBJECTION_LAPSE_DAYS, "advance_notice": ADVANCE_NOTICE_LAPSE_DAYS}


def enter(session: Session, case: RegCase) -> tuple[dict[str, Any], datetime]:
    """Enter ``case`` in the register, serialised with every other change of its unit;
    returns the journal summary and the instant of entry.

    The clock is read after the lock is granted: a case that waited for a competing one
    then sees what that one entered (reading the register as of an instant taken before
    the wait would not, which is how two sole owners were once both entered)."""
    with session.begin_nested():
        if case.unit_code:
            repo.lock_unit(session, case.unit_code)
        at: datetime = session.execute(text("SELECT clock_timestamp()")).scalar_one()
        basis.check(session, case)  # first: it names the case that got there first
        check_register(session, case.case_type, case.unit_code, at)
        check_holder_names(session, case.case_type, case.payload.get("holders", []))
        changes = enter_case(session, case, at)
        _check_one_owner(session, changes.get("unit_code"))
    return changes, at


def _check_one_owner(session: Session, code: str | None) -> None:
    """Run the deferred one-owner constraint now (a breach: 409 naming the unit)."""
    try:
        session.execute(text("SET CONSTRAINTS rrr_one_owner IMMEDIATE"))
    except IntegrityError as exc:
        said = getattr(getattr(exc.orig, "diag", None), "message_primary", None) or str(exc.orig)
        raise RightChanged(
            f"不动产单元{code}不予登簿：{said}", field="unit_code", unit_code=code
        ) from exc
    session.execute(text("SET CONSTRAINTS rrr_one_owner DEFERRED"))


def enter_case(session: Session, case: RegCase, at: datetime) -> dict[str, Any]:
    """Apply ``case`` to the register at instant ``at``; returns the journal summary."""
    p = case.payload
    if case.case_type == "first_registration" and case.unit_code is None:
        if not p.get("holders"):
            raise InvalidInput("add the holders before entering the case", field="holders")
        case.unit_code = spatial.new_parcel(session, p["geometry_wkt"], p["land_use"], at, case)
    code = case.unit_code
    assert code is not None
    unit = _ensure_unit(session, code, at)
    source_id = _source_id(session, case.id)
    ctx = _Ctx(session, case, code, at, source_id)
    summary: dict[str, Any] = {"case_type": case.case_type, "unit_code": code}
    handler = HANDLERS[case.case_type]
    summary.update(handler(ctx, unit))
    session.flush()
    return summary


class _Ctx:
    def __init__(
        self, session: Session, case: RegCase, code: str, at: datetime, source_id: int | None
    ) -> None:
        self.session, self.case, self.code, self.at, self.source_id = (
            session,
            case,
            code,
            at,
            source_id,
        )

    def add_rrr(self, kind: str, rrr_type: str, **values: Any) -> RRR:
        row = RRR(
            unit_code=self.code,
            kind=kind,
            rrr_type=rrr_type,
            case_id=self.case.id,
            source_id=self.source_id,
            begin_lifespan=self.at,
            **values,
        )
        self.session.add(row)
        return row


def _first_registration(ctx: _Ctx, unit: BAUnit) -> dict[str, Any]:
    parcel = repo.current_parcel(ctx.session, ctx.code)
    if parcel is not None and parcel.reg_status != "registered":
        spatial.revise_parcel(ctx.session, ctx.code, ctx.at, ctx.case, reg_status="registered")
    return {"rights": _open_rights(ctx)}


def _transfer(ctx: _Ctx, unit: BAUnit) -> dict[str, Any]:
    closed = repo.close_rrrs(ctx.session, ctx.code, ctx.at, RIGHT_TYPES)
    return {"closed_rights": closed, "rights": _open_rights(ctx)}


def _revise_from_payload(ctx: _Ctx) -> int | None:
    """A new parcel version when the case corrects the boundary or changes the land use."""
    p = ctx.case.payload
    if "land_use" not in p and "geometry_wkt" not in p:
        return None
    return spatial.revise_parcel(
        ctx.session,
        ctx.code,
        ctx.at,
        ctx.case,
        land_use=p.get("land_use"),
        wkt=p.get("geometry_wkt"),
    )


def _change(ctx: _Ctx, unit: BAUnit) -> dict[str, Any]:
    out: dict[str, Any] = {}
    out["parcel_version"] = _revise_from_payload(ctx)
    renamed = []
    for h in ctx.case.payload.get("holders", []):
        party = repo.current_party_by_id_number(ctx.session, h["id_number"])
        if party is None:
            raise InvalidInput("a change keeps the holders; use a transfer", field="holders")
        if party.name != h["name"]:
            party.end_lifespan = ctx.at
            ctx.session.add(
                Party(
                    uid=party.uid,
                    version=party.version + 1,
                    kind=party.kind,
                    name=h["name"],
                    id_number=party.id_number,
                    begin_lifespan=ctx.at,
                )
            )
            renamed.append(party.uid)
    out["renamed_parties"] = renamed
    return out


def _correction(ctx: _Ctx, unit: BAUnit) -> dict[str, Any]:
    out: dict[str, Any] = {}
    out["parcel_version"] = _revise_from_payload(ctx)
    if ctx.case.payload.get("holders"):
        out["closed_rights"] = repo.close_rrrs(ctx.session, ctx.code, ctx.at, RIGHT_TYPES)
        out["rights"] = _open_rights(ctx)
    return out


def _cancellation(ctx: _Ctx, unit: BAUnit) -> dict[str, Any]:
    types = RIGHT_TYPES | {"mortgage", "seizure", "objection", "advance_notice"}
    closed = repo.close_rrrs(ctx.session, ctx.code, ctx.at, types)
    unit.end_lifespan = ctx.at
    ctx.session.add(
        BAUnit(
            uid=unit.uid,
            version=unit.version + 1,
            unit_code=unit.unit_code,
            parcel_uid=unit.parcel_uid,
            status="cancelled",
            begin_lifespan=ctx.at,
        )
    )
    spatial.revise_parcel(ctx.session, ctx.code, ctx.at, ctx.case, reg_status="cancelled")
    return {"closed_rrrs": closed, "unit_status": "cancelled"}


def _restriction(ctx: _Ctx, unit: BAUnit) -> dict[str, Any]:
    rtype = ctx.case.case_type
    days = LAPSE_DAYS.get(rtype)
    expires = ctx.at + timedelta(days=days) if days else None
    uids = []
    holders = ctx.case.payload.get("holders") or [None]
    for h in holders:
        party_uid = _party(ctx.session, h, ctx.at).uid if h else None
        row = ctx.add_rrr("restriction", rtype, party_uid=party_uid, expires_at=expires)
        ctx.session.flush()
        uids.append(row.uid)
    return {
        "restriction": rtype,
        "rrr_uids": uids,
        "expires_at": expires.isoformat() if expires else None,
    }


def _mortgage(ctx: _Ctx, unit: BAUnit) -> dict[str, Any]:
    m = ctx.case.payload["mortgage"]
    term_end = datetime.fromisoformat(m["term_end"]).replace(tzinfo=ctx.at.tzinfo)
    row = ctx.add_rrr(
        "restriction",
        "mortgage",
        amount=Decimal(m["amount"]),
        creditor=m["creditor"],
        term_end=term_end,
    )
    ctx.session.flush()
    return {"restriction": "mortgage", "rrr_uid": row.uid, "amount": m["amount"]}


def _release(rtype: str) -> Any:
    def handler(ctx: _Ctx, unit: BAUnit) -> dict[str, Any]:
        closed = repo.close_rrrs(ctx.session, ctx.code, ctx.at, {rtype})
        return {"released": rtype, "closed": closed}

    return handler


HANDLERS = {
    "first_registration": _first_registration,
    "transfer": _transfer,
    "change": _change,
    "correction": _correction,
    "cancellation": _cancellation,
    "objection": _restriction,
    "advance_notice": _restriction,
    "seizure": _restriction,
    "mortgage": _mortgage,
    "seizure_release": _release("seizure"),
    "mortgage_discharge": _release("mortgage"),
}


def _open_rights(ctx: _Ctx) -> list[dict[str, Any]]:
    """One right row per holder, with the holder's exact share."""
    right = "ownership" if parse_unit_code(ctx.code).right_type == "A" else "use_right"
    out = []
    for h in ctx.case.payload["holders"]:
        share = Fraction(h["share"])
        party = _party(ctx.session, h, ctx.at)
        ctx.add_rrr(
            "right",
            right,
            party_uid=party.uid,
            share_num=share.numerator,
            share_den=share.denominator,
        )
        out.append({"party_uid": party.uid, "share": str(share), "right": right})
    return out


def _party(session: Session, holder: dict[str, Any], at: datetime) -> Party:
    """The current party with this ID number (or group identifier), or a new one."""
    party = repo.current_party_by_id_number(session, holder["id_number"])
    if party is None:
        party = Party(
            kind=holder["kind"],
            name=holder["name"],
            id_number=holder["id_number"],
            begin_lifespan=at,
        )
        session.add(party)
        session.flush()
        for m in holder.get("members", []):
            share = Fraction(m["share"])
            member = _party(session, m, at)
            session.add(
                PartyMember(
                    group_uid=party.uid,
                    member_uid=member.uid,
                    share_num=share.numerator,
                    share_den=share.denominator,
                )
            )
    return party


def _ensure_unit(session: Session, code: str, at: datetime) -> BAUnit:
    unit = repo.baunit_as_of(session, code)
    if unit is None:
        parcel = repo.current_parcel(session, code)
        unit = BAUnit(unit_code=code, parcel_uid=parcel.uid if parcel else None, begin_lifespan=at)
        session.add(unit)
        session.flush()
    return unit


def _source_id(session: Session, case_id: int) -> int | None:
    return session.scalars(
        select(CaseDocument.source_id).where(CaseDocument.case_id == case_id).limit(1)
    ).first()
