"""Checks of a case request (shape of the input) and of the register's rules (its state).

``check_request`` needs no register state beyond "does the unit exist"; ``check_register``
is run at submission and again at entry, since the register may change in between.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import shapely
from shapely.geometry import shape
from sqlalchemy.orm import Session

from cadastre.registry import repository as repo
from cadastre.registry.errors import (
    AlreadyRegistered,
    NothingToRelease,
    NotRegistered,
    UnitCancelled,
    UnitNotFound,
    UnitSeized,
)
from cadastre.registry.rules import (
    BLOCKED_WHILE_SEIZED,
    PARTY_KINDS,
    CaseType,
    check_shares,
    parse_share,
)
from cadastre.registry.sources import check_source
from cadastre.unit_code import parse_unit_code
from gis import landuse, limits
from gis.errors import InvalidInput

ID_CARD = re.compile(r"^\d{17}[\dX]$")
CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
SHARED_RIGHT_CASES = frozenset({"first_registration", "transfer", "change", "correction"})
# what may still be registered on a unit whose parcel was retired: closing what is left
AFTER_RETIREMENT = frozenset({"cancellation", "seizure_release", "mortgage_discharge"})
RESHAPING_CASES = frozenset({"correction", "change"})
NEEDS_REGISTERED = frozenset(
    {"transfer", "change", "cancellation", "correction", "mortgage", "mortgage_discharge"}
)


ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def id_card_check_char(first17: str) -> str:
    """The 18th character of a resident ID-card number (GB 11643-1999, ISO 7064 MOD 11-2)."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code (GB 32100-2015, MOD 31)."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def valid_party_number(kind: str, number: str) -> bool:
    """Whether ``number`` is a well-formed ID-card number (natural) or credit code (legal).

    ID-card numbers must carry the right check character. Credit codes are checked for
    structure and alphabet only: the bureau's exchanged records still hold codes with
    unverifiable check characters, so :func:`credit_code_check_char` is advisory."""
    if kind == "natural":
        return bool(ID_CARD.match(number)) and id_card_check_char(number[:17]) == number[17]
    return bool(CREDIT_CODE.match(number))


def _check_person(h: dict[str, Any], f: str) -> dict[str, str]:
    """A natural or legal person: kind, name and a valid 18-character number."""
    kind = h.get("kind")
    if kind not in PARTY_KINDS:
        raise InvalidInput(f"holder kind must be natural or legal, not {kind!r}", field=f + ".kind")
    name = str(h.get("name") or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput("a holder needs a name (at most 200 characters)", field=f + ".name")
    number = str(h.get("id_number") or "").strip().upper()
    what = "ID-card number" if kind == "natural" else "unified social credit code"
    if not valid_party_number(kind, number):
        raise InvalidInput(
            f"{number!r} is not a valid 18-character {what} (check character included)",
            field=f + ".id_number",
        )
    return {"kind": kind, "name": name, "id_number": number}


def _check_group(h: dict[str, Any], f: str) -> dict[str, Any]:
    """A group party (e.g. a household): a name and members whose shares add up to 1."""
    name = str(h.get("name") or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput("a group needs a name (at most 200 characters)", field=f + ".name")
    members = h.get("members")
    if not isinstance(members, list) or len(members) < 2:
        raise InvalidInput("a group needs at least two members", field=f + ".members")
    checked = check_holders(members, True, prefix=f + ".members")
    return {"kind": "group", "name": name, "id_number": group_id(name, checked), "members": checked}


def group_id(name: str, members: list[dict[str, Any]]) -> str:
    """A stable 18-character identifier of a group: same name and members, same group."""
    key = name + "|" + ",".join(sorted(f"{m['id_number']}:{m['share']}" for m in members))
    return "GRP" + hashlib.sha256(key.encode()).hexdigest()[:15].upper()


def check_holders(
    holders: list[dict[str, Any]], with_shares: bool, prefix: str = "holders"
) -> list[dict[str, Any]]:
    """Normalise holders (natural, legal or group parties); shares must add up to 1."""
    if not holders:
        raise InvalidInput("this case needs at least one holder", field=prefix)
    out: list[dict[str, Any]] = []
    shares = []
    for i, h in enumerate(holders):
        f = f"{prefix}.{i}"
        if not isinstance(h, dict):
            raise InvalidInput("a holder is an object", field=f)
        party = _check_group(h, f) if h.get("kind") == "group" and prefix == "holders" else None
        party = party or _check_person(h, f)
        share = h.get("share") or ("1" if len(holders) == 1 else None)
        if with_shares:
            shares.append(parse_share(share, f + ".share"))
        out.append({**party, "share": str(share or "1")})
    if with_shares:
        check_shares(shares, field=prefix)
        for h, s in zip(out, shares, strict=True):
            h["share"] = str(s)
    return out


def check_geometry(geojson: dict[str, Any]) -> str:
    """A (multi)polygon in EPSG:4490 lon/lat as WKT; invalid ones refused with the reason."""
    limits.check_geometry(geojson, extent=False)
    try:
        geom = shape(geojson)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidInput(f"not a GeoJSON geometry: {exc}", field="geometry") from None
    if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
        raise InvalidInput("a parcel geometry must be a Polygon or MultiPolygon", field="geometry")
    if not geom.is_valid:
        raise InvalidInput(f"invalid geometry: {shapely.is_valid_reason(geom)}", field="geometry")
    minx, miny, maxx, maxy = geom.bounds
    if not (minx >= 73 and maxx <= 136 and miny >= 3 and maxy <= 54):
        raise InvalidInput("coordinates must be lon/lat in China (EPSG:4490)", field="geometry")
    return str(geom.wkt)


def check_mortgage(m: dict[str, Any] | None) -> dict[str, str]:
    """A mortgage needs an amount (yuan, Decimal), a creditor and a term end date."""
    if not m:
        raise InvalidInput("a mortgage case needs amount, creditor and term_end", field="mortgage")
    try:
        amount = Decimal(str(m.get("amount")))
    except InvalidOperation:
        raise InvalidInput(
            "amount must be a decimal number of yuan", field="mortgage.amount"
        ) from None
    if not amount.is_finite() or amount <= 0:
        raise InvalidInput("amount must be more than 0", field="mortgage.amount")
    creditor = str(m.get("creditor") or "").strip()
    if not creditor:
        raise InvalidInput("a mortgage needs a creditor", field="mortgage.creditor")
    try:
        term_end = date.fromisoformat(str(m.get("term_end")))
    except ValueError:
        raise InvalidInput(
            "term_end must be a date YYYY-MM-DD", field="mortgage.term_end"
        ) from None
    return {
        "amount": str(amount.quantize(Decimal("0.01"))),
        "creditor": creditor,
        "term_end": term_end.isoformat(),
    }


def check_request(session: Session, ct: CaseType, req: dict[str, Any]) -> dict[str, Any]:
    """Validate a case request; returns the normalised payload stored with the case."""
    payload: dict[str, Any] = {}
    code = req.get("unit_code")
    if code is not None:
        parse_unit_code(code)
        if not repo.unit_exists(session, code):
            raise UnitNotFound(f"no current parcel has unit code {code}", field="unit_code")
    elif ct.needs_unit:
        raise InvalidInput(f"a {ct.name_en} case needs a unit_code", field="unit_code")
    if req.get("land_use") is not None:
        payload["land_use"] = landuse.check(str(req["land_use"]))
    if ct.code == "first_registration" and code is None:
        if req.get("geometry") is None:
            raise InvalidInput("give a unit_code or a geometry for a new parcel", field="geometry")
        if "land_use" not in payload:
            raise InvalidInput("a new parcel needs its land_use class", field="land_use")
        payload["geometry_wkt"] = check_parcel_geometry(session, req["geometry"], None)
    elif ct.code in RESHAPING_CASES and req.get("geometry") is not None:
        payload["geometry_wkt"] = check_parcel_geometry(session, req["geometry"], code)
    holders = req.get("holders") or []
    # a survey may open a new parcel's first registration before the holders are known;
    # they are then added at the window (amend) and required at entry
    holders_later = ct.code == "first_registration" and "geometry_wkt" in payload
    if holders or (ct.needs_holders and not holders_later):
        payload["holders"] = check_holders(holders, ct.code in SHARED_RIGHT_CASES)
    if ct.code == "mortgage":
        payload["mortgage"] = check_mortgage(req.get("mortgage"))
    if req.get("source"):
        payload["source"] = check_source(req["source"])
    return payload


def check_parcel_geometry(session: Session, geojson: dict[str, Any], code: str | None) -> str:
    """Valid (shapely, then PostGIS with location) and overlapping no other current parcel."""
    from cadastre.parcels import topology

    wkt = check_geometry(geojson)
    ewkb = repo.ewkb_from_wkt(session, wkt)
    topology.check_valid(session, ewkb)
    parcel = repo.current_parcel(session, code) if code else None
    topology.check_no_overlap(session, ewkb, [parcel.id] if parcel else [])
    return wkt


def check_register(session: Session, case_type: str, code: str | None, at: datetime) -> None:
    """The register's rules for ``case_type`` on unit ``code`` as the register stands at ``at``."""
    if code is None:
        return
    unit = repo.baunit_as_of(session, code)
    if unit is not None and unit.status == "cancelled":
        raise UnitCancelled(
            f"unit {code} is cancelled and takes no registration", field="unit_code"
        )
    if case_type not in AFTER_RETIREMENT and not repo.parcel_is_current(session, code):
        raise UnitCancelled(
            f"the parcel of unit {code} was retired (split, merged or cancelled); register on "
            "its successors",
            field="unit_code",
        )
    rrrs = repo.rrrs_as_of(session, code, at)
    types = {r.rrr_type for r in rrrs}
    has_right = any(r.kind == "right" for r in rrrs)
    if "seizure" in types and case_type in BLOCKED_WHILE_SEIZED:
        raise UnitSeized(f"unit {code} is seized: no {case_type} while seized", field="unit_code")
    if case_type == "first_registration" and has_right:
        raise AlreadyRegistered(f"unit {code} already has a registered right", field="unit_code")
    if case_type in NEEDS_REGISTERED and not has_right:
        raise NotRegistered(f"unit {code} has no registered right to act on", field="unit_code")
    wanted = {"seizure_release": "seizure", "mortgage_discharge": "mortgage"}.get(case_type)
    if wanted and wanted not in types:
        raise NothingToRelease(f"unit {code} has no {wanted} in force", field="unit_code")
