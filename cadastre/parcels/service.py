"""Parcel edits under the register's rules: split, merge, boundary adjustment, create,
change and retire. Each edit is one transaction that checks the If-Match ETags of the
row-locked current versions, checks topology in PostGIS, closes the old versions
(``end_lifespan``) and opens new ones; split, merge and adjustment give new unit codes,
and the registry carries the old units' rights and restrictions to them in the same
transaction (:func:`cadastre.handoff.carry_rrrs`). Knows nothing of HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cadastre.parcels import codes, topology
from cadastre.parcels import repository as repo
from cadastre.parcels.repository import ParcelRow
from cadastre.unit_code import parse_unit_code
from gis import landuse
from gis.db import transaction
from gis.errors import Conflict, InvalidInput, NotFound, PreconditionFailed, PreconditionRequired

FROZEN_STATUSES = {"seized": ("查封", "seized by a court")}


@dataclass
class EditResult:
    """What an edit did: the unit codes it retired and the versions it opened."""

    operation: str
    edit_id: int
    retired: list[str]
    opened: list[ParcelRow] = field(default_factory=list)


def parse_if_match(header: str | None) -> list[str]:
    """The entity tags of an If-Match header, unquoted (weak prefixes ignored)."""
    if not header:
        return []
    tags = []
    for raw in header.split(","):
        tag = raw.strip()
        tag = tag[2:] if tag.startswith("W/") else tag
        tags.append(tag.strip('"'))
    return [t for t in tags if t]


def get(session: Session, code: str, at: datetime | None = None) -> ParcelRow:
    """The current version of a parcel (or the one in force at ``at``); retired ones too."""
    parse_unit_code(code)
    row = repo.as_of(session, code, at) if at else repo.latest(session, code)
    if row is None:
        when = f" at {at.isoformat()}" if at else ""
        raise NotFound(f"no parcel {code}{when}", field="unit_code")
    return row


def history(session: Session, code: str) -> tuple[list[ParcelRow], list[dict[str, Any]]]:
    """All versions of a parcel and the edits that opened or closed them (oldest first)."""
    parse_unit_code(code)
    rows = repo.versions(session, code)
    if not rows:
        raise NotFound(f"no parcel {code}", field="unit_code")
    return rows, repo.lineage(session, [r.id for r in rows])


def _locked(
    session: Session, unit_codes: list[str], if_match: list[str], operation: str
) -> list[ParcelRow]:
    """Row-lock the current versions of ``unit_codes`` and check each one's ETag."""
    for c in unit_codes:
        parse_unit_code(c)
    if len(set(unit_codes)) != len(unit_codes):
        raise InvalidInput("the same parcel is named twice", field="unit_codes")
    if not if_match:
        raise PreconditionRequired(
            "send If-Match with the ETag of every parcel you edit (read it first)",
            field="If-Match",
        )
    from cadastre.handoff import lock_units  # the registry's contract (lazy: no cycle)

    lock_units(session, unit_codes)  # before the row locks, in the order case entry takes them
    rows = repo.lock_current(session, unit_codes)
    if len(rows) < len(unit_codes):  # a concurrent edit committed while we waited: re-read
        rows = repo.lock_current(session, unit_codes)
    found = {r.unit_code for r in rows}
    for c in unit_codes:
        if c not in found:
            _missing(session, c)
    for r in rows:
        if r.etag not in if_match:
            raise PreconditionFailed(
                f"parcel {r.unit_code} changed since you read it: read it again "
                f"(current ETag {r.quoted_etag})",
                field="If-Match",
                unit_code=r.unit_code,
            )
        _check_not_seized(session, r, operation)
    repo.lock_geometry_writes(session)
    return rows


def _check_not_seized(session: Session, row: ParcelRow, operation: str) -> None:
    """A unit under a court's seizure (查封) takes no edit until the seizure is released,
    except a split, which carries the seizure to every part."""
    from cadastre.handoff import seizure_blocks, unit_restrictions  # lazy: no import cycle

    if not seizure_blocks(operation):
        return
    if row.reg_status in FROZEN_STATUSES or "seizure" in unit_restrictions(session, row.unit_code):
        raise Conflict(
            f"parcel {row.unit_code} is seized (查封) and cannot be edited", field="unit_code"
        )


def _missing(session: Session, code: str) -> None:
    last = repo.latest(session, code)
    if last is None:
        raise NotFound(f"no parcel {code}", field="unit_code")
    assert last.end_lifespan is not None
    raise Conflict(
        f"parcel {code} was retired at {last.end_lifespan.isoformat()}; "
        "edit its successors instead (see its history)",
        field="unit_code",
    )


def _open(
    session: Session,
    operation: str,
    actor: str,
    parents: list[ParcelRow],
    geoms: list[str],
    land_uses: list[str],
) -> EditResult:
    """Close ``parents`` and open one new parcel with a new unit code per geometry; the
    registry carries the parents' rights and restrictions to every new parcel."""
    from cadastre.handoff import carry_rrrs  # the registry's contract (lazy: no cycle)

    at = repo.clock(session)
    new = codes.new_codes(session, parents[0].unit_code, len(geoms))
    repo.close_versions(session, [p.id for p in parents], at)
    ids = [
        repo.insert_version(
            session,
            unit_code=c,
            ewkb=g,
            land_use=lu,
            reg_status=parents[0].reg_status,
            at=at,
        )
        for c, g, lu in zip(new, geoms, land_uses, strict=True)
    ]
    links = [(p.id, i) for p in parents for i in ids]
    edit_id = repo.record_edit(session, operation, actor, at, links)
    opened = repo.by_ids(session, ids, new)
    children = [(r.unit_code, r.uid) for r in opened]
    parent_codes = [p.unit_code for p in parents]
    carry_rrrs(
        session,
        operation=operation,
        edit_id=edit_id,
        parents=parent_codes,
        children=children,
        at=at,
    )
    return EditResult(operation, edit_id, parent_codes, opened)


def _land_uses(given: list[str] | None, n: int, default: str) -> list[str]:
    if not given:
        return [default] * n
    if len(given) != n:
        raise InvalidInput(f"give {n} land-use codes, one per part", field="land_uses")
    return [landuse.check(lu, f"land_uses.{i}") for i, lu in enumerate(given)]


def split(
    session: Session,
    code: str,
    *,
    if_match: list[str],
    actor: str,
    line: dict[str, Any] | None = None,
    parts: list[dict[str, Any]] | None = None,
    land_uses: list[str] | None = None,
) -> EditResult:
    """Split a parcel by a cutting line or into given parts that cover it exactly."""
    if (line is None) == (parts is None):
        raise InvalidInput("give either a cutting line or the parts", field="line")
    with transaction(session):
        (parent,) = _locked(session, [code], if_match, "split")
        if line is not None:
            geoms = topology.split_by_line(session, parent.ewkb, line)
        else:
            assert parts is not None
            if len(parts) < 2:
                raise InvalidInput("a split needs at least two parts", field="parts")
            geoms = [topology.ewkb_from_geojson(p, f"parts.{i}") for i, p in enumerate(parts)]
            for i, g in enumerate(geoms):
                topology.check_valid(session, g, f"parts.{i}")
            topology.check_covers_parent(session, parent.ewkb, geoms)
        uses = _land_uses(land_uses, len(geoms), parent.land_use)
        for i, g in enumerate(geoms):
            topology.check_no_overlap(session, g, [parent.id], f"parts.{i}")
        return _open(session, "split", actor, [parent], geoms, uses)


def merge(
    session: Session,
    unit_codes: list[str],
    *,
    if_match: list[str],
    actor: str,
    land_use: str | None = None,
) -> EditResult:
    """Merge two or more touching parcels of one subzone and one right type into one."""
    if len(unit_codes) < 2:
        raise InvalidInput("a merge needs at least two parcels", field="unit_codes")
    if land_use is not None:
        landuse.check(land_use)
    with transaction(session):
        parents = _locked(session, sorted(unit_codes), if_match, "merge")
        kinds = {(p.subzone_code, p.unit_code[12:14]) for p in parents}
        if len(kinds) > 1:
            raise InvalidInput(
                "only parcels of one subzone with the same ownership and right type merge",
                field="unit_codes",
            )
        from cadastre.handoff import check_merge  # lazy: no import cycle

        check_merge(session, [p.unit_code for p in parents], repo.clock(session))
        union = topology.merged(session, [p.ewkb for p in parents])
        biggest = max(parents, key=lambda p: p.area_m2)
        return _open(session, "merge", actor, parents, [union], [land_use or biggest.land_use])


def adjust(
    session: Session,
    code: str,
    neighbour: str,
    geometry: dict[str, Any],
    *,
    if_match: list[str],
    actor: str,
) -> EditResult:
    """Move the boundary shared by ``code`` and ``neighbour``: ``code`` takes ``geometry``,
    the neighbour keeps the rest of the two; both get new unit codes."""
    new_a = topology.ewkb_from_geojson(geometry)
    with transaction(session):
        rows = {
            r.unit_code: r for r in _locked(session, sorted([code, neighbour]), if_match, "adjust")
        }
        a, b = rows[code], rows[neighbour]
        topology.check_valid(session, new_a)
        new_b = topology.adjusted_neighbour(session, a.ewkb, b.ewkb, new_a)
        topology.check_valid(session, new_b, "neighbour")
        for g, name in ((new_a, "geometry"), (new_b, "neighbour")):
            topology.check_no_overlap(session, g, [a.id, b.id], name)
        result = _open(session, "adjust", actor, [a], [new_a], [a.land_use])
        more = _open(session, "adjust", actor, [b], [new_b], [b.land_use])
        result.retired += more.retired
        result.opened += more.opened
        return result


def create(
    session: Session,
    *,
    geometry: dict[str, Any],
    subzone_code: str,
    land_use: str,
    actor: str,
    ownership: str = "G",
    right_type: str = "B",
    reg_status: str = "unregistered",
) -> EditResult:
    """Add a new parcel (first survey of the land) with a new unit code."""
    template = codes.template_for(subzone_code, ownership, right_type)
    landuse.check(land_use)
    g = topology.ewkb_from_geojson(geometry)
    with transaction(session):
        codes.check_subzone(session, subzone_code)
        topology.check_valid(session, g)
        repo.lock_geometry_writes(session)
        topology.check_no_overlap(session, g, [])
        if not repo.point_in_subzone(session, g, subzone_code):
            raise InvalidInput(f"the parcel lies outside subzone {subzone_code}", field="geometry")
        at = repo.clock(session)
        (new_code,) = codes.new_codes(session, template, 1)
        new_id = repo.insert_version(
            session, unit_code=new_code, ewkb=g, land_use=land_use, reg_status=reg_status, at=at
        )
        edit_id = repo.record_edit(session, "create", actor, at, [(None, new_id)])
        return EditResult("create", edit_id, [], repo.by_ids(session, [new_id], [new_code]))


def change(
    session: Session,
    code: str,
    *,
    if_match: list[str],
    actor: str,
    land_use: str | None = None,
    geometry: dict[str, Any] | None = None,
) -> EditResult:
    """A new version of the same parcel (same unit code): land use and/or corrected shape."""
    if land_use is not None:
        landuse.check(land_use)
    g = topology.ewkb_from_geojson(geometry) if geometry is not None else None
    with transaction(session):
        (old,) = _locked(session, [code], if_match, "change")
        if g is not None:
            topology.check_valid(session, g)
            topology.check_no_overlap(session, g, [old.id])
        at = repo.clock(session)
        repo.close_versions(session, [old.id], at)
        new_id = repo.insert_version(
            session,
            unit_code=old.unit_code,
            ewkb=g or old.ewkb,
            land_use=land_use or old.land_use,
            reg_status=old.reg_status,
            at=at,
            uid=old.uid,
            version=old.version + 1,
        )
        edit_id = repo.record_edit(session, "change", actor, at, [(old.id, new_id)])
        return EditResult("change", edit_id, [], repo.by_ids(session, [new_id], [old.unit_code]))


def retire(session: Session, code: str, *, if_match: list[str], actor: str) -> EditResult:
    """Close a parcel with no successor (注销); its unit code is never handed out again."""
    with transaction(session):
        (old,) = _locked(session, [code], if_match, "retire")
        at = repo.clock(session)
        repo.close_versions(session, [old.id], at)
        edit_id = repo.record_edit(session, "retire", actor, at, [(old.id, None)])
        return EditResult("retire", edit_id, [old.unit_code])
