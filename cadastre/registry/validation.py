"""Checks of a case request (shape of the input) and of the register's rules (its state).

``check_request`` needs no register state beyond "does the unit exist"; ``check_register``
is run at submission and again at entry, since the register may change in between.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from fractions import Fraction
from typing import Any

import shapely
from pydantic import TypeAdapter, ValidationError
from shapely.geometry import shape
from sqlalchemy.orm import Session

from cadastre.registry import repository as repo
from cadastre.registry.errors import (
    AlreadyRegistered,
    HolderNameMismatch,
    NothingToRelease,
    NotRegistered,
    UnitCancelled,
    UnitNotFound,
    UnitSeized,
)
from cadastre.registry.rules import BLOCKED_WHILE_SEIZED, CaseType, check_shares
from cadastre.registry.schemas import HolderIn, MortgageIn, RightTermsIn, StoredSourceIn
from cadastre.registry.sources import check_source_file
from cadastre.unit_code import parse_unit_code
from gis import landuse, limits
from gis.errors import InvalidInput

_HOLDERS: TypeAdapter[list[HolderIn]] = TypeAdapter(list[HolderIn])
_MORTGAGE: TypeAdapter[MortgageIn] = TypeAdapter(MortgageIn)
_SOURCE: TypeAdapter[StoredSourceIn] = TypeAdapter(StoredSourceIn)
_RIGHT_TERMS: TypeAdapter[RightTermsIn] = TypeAdapter(RightTermsIn)
SHARED_RIGHT_CASES = frozenset({"first_registration", "transfer", "change", "correction"})
# what may still be registered on a unit whose parcel was retired: closing what is left
AFTER_RETIREMENT = frozenset({"cancellation", "seizure_release", "mortgage_discharge"})
RESHAPING_CASES = frozenset({"correction", "change"})
NEEDS_REGISTERED = frozenset(
    {"transfer", "change", "cancellation", "correction", "mortgage", "mortgage_discharge"}
)


def group_id(name: str, members: list[dict[str, Any]]) -> str:
    """A stable 18-character identifier of a group: same name and members, same group."""
    key = name + "|" + ",".join(sorted(f"{m['id_number']}:{m['share']}" for m in members))
    return "GRP" + hashlib.sha256(key.encode()).hexdigest()[:15].upper()


def check_holders(
    holders: list[dict[str, Any]], with_shares: bool, prefix: str = "holders"
) -> list[dict[str, Any]]:
    """Normalise holders (natural, legal or group parties) as :class:`HolderIn` checks
    them (the one place names, numbers and shares are checked); what a list of holders
    adds: group identifiers, and shares adding up to 1 (a group's members' always)."""
    if not holders:
        raise InvalidInput("this case needs at least one holder", field=prefix)
    parsed = parse_model(_HOLDERS, holders, prefix)
    out: list[dict[str, Any]] = []
    for i, h in enumerate(parsed):
        party = h.model_dump(exclude_none=True)
        if h.members is not None:
            members = [m.model_dump() for m in h.members]
            _sum_to_one(members, f"{prefix}.{i}.members")
            party["members"] = members
            party["id_number"] = group_id(h.name, members)
        out.append(party)
    if with_shares:
        _sum_to_one(out, prefix)
    for h in out:
        h.setdefault("share", "1")
    return out


def _sum_to_one(items: list[dict[str, Any]], field: str) -> None:
    """Shares of ``items`` (one alone may leave it out: "1") must add up to exactly 1."""
    if len(items) == 1 and items[0].get("share") is None:
        items[0]["share"] = "1"
    for i, item in enumerate(items):
        if item.get("share") is None:
            raise InvalidInput("give each holder's share like '1/2'", field=f"{field}.{i}.share")
    check_shares([Fraction(item["share"]) for item in items], field=field)


def parse_model(adapter: TypeAdapter[Any], value: Any, prefix: str) -> Any:
    """``value`` checked by a pydantic ``adapter``; InvalidInput naming the first bad field."""
    try:
        return adapter.validate_python(value)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise InvalidInput(str(err["msg"]), field=f"{prefix}.{loc}" if loc else prefix) from None


def check_holder_names(
    session: Session, case_type: str, holders: list[dict[str, Any]], *, reveal: bool = True
) -> None:
    """A holder's name must be the registered name of the party with that ID number (a
    change registration, 变更登记, is how a registered name changes). 422 naming both;
    ``reveal=False`` (anonymous callers) does not show the registered name."""
    if case_type == "change":
        return
    for i, h in enumerate(holders):
        people = [(f"holders.{i}", h)] + [
            (f"holders.{i}.members.{j}", m) for j, m in enumerate(h.get("members", []))
        ]
        for field, person in people:
            if person["kind"] == "group":
                continue
            party = repo.current_party_by_id_number(session, person["id_number"])
            if party is None or party.name == person["name"]:
                continue
            number, given = person["id_number"], person["name"]
            registered = party.name if reveal else "（另一名称 another name）"
            raise HolderNameMismatch(
                f"证件号码 {number} 已登记于 {registered} 名下，与所填 {given} 不符；"
                f"ID number {number} is registered to {registered}, not to {given} "
                "(a change registration changes a registered name)",
                field=f"{field}.name",
            )


def check_geometry(geojson: dict[str, Any]) -> str:
    """A (multi)polygon in EPSG:4490 lon/lat as WKT; invalid ones refused with the reason."""
    limits.check_geometry(geojson)
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
    """A mortgage needs an amount (yuan), a creditor and a term end date (as MortgageIn
    checks them: the one place they are checked)."""
    if not m:
        raise InvalidInput("a mortgage case needs amount, creditor and term_end", field="mortgage")
    checked: dict[str, str] = parse_model(_MORTGAGE, m, "mortgage").model_dump()
    return checked


def check_request(
    session: Session, ct: CaseType, req: dict[str, Any], *, reveal: bool = True
) -> dict[str, Any]:
    """Validate a case request; returns the normalised payload stored with the case.
    ``reveal``: whether a name mismatch may show the registered name (not to the public)."""
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
        check_holder_names(session, ct.code, payload["holders"], reveal=reveal)
    if ct.code == "mortgage":
        payload["mortgage"] = check_mortgage(req.get("mortgage"))
    if req.get("source"):  # shape by the schema; the file (if any) here, on disk
        source = parse_model(_SOURCE, _no_nulls(req["source"]), "source")
        payload["source"] = check_source_file(source.model_dump())
    if req.get("right_terms") and ct.code in SHARED_RIGHT_CASES:  # 权利性质 and 使用期限
        terms = parse_model(_RIGHT_TERMS, _no_nulls(req["right_terms"]), "right_terms")
        payload["right_terms"] = terms.model_dump(exclude_none=True)
    return payload


def _no_nulls(value: Any) -> Any:
    """A request's nested object without its null members (a model dumped as a dict)."""
    return {k: v for k, v in value.items() if v is not None} if isinstance(value, dict) else value


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
