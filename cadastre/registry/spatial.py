"""Where a registration touches the parcel table (spatial units, part B's domain).

New parcels, boundary corrections, land-use changes and registration-status changes
are made as parcel versions through cadastre.parcels' own pieces (unit-code counters,
topology checks in PostGIS, version rows and the edit lineage), in the caller's
transaction. Geometry in EPSG:4490; areas are recomputed in EPSG:4547 m².
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from cadastre.parcels import codes, topology
from cadastre.parcels import repository as parcels_repo
from cadastre.registry import repository as repo
from cadastre.registry.models import RegCase
from gis.errors import InvalidInput

SUBZONE_SQL = (
    "SELECT code FROM cadastral_subzone WHERE ST_Intersects(geom, "
    "ST_PointOnSurface(CAST(:g AS geometry))) ORDER BY code LIMIT 1"
)


def new_parcel(session: Session, wkt: str, land_use: str, at: datetime, case: RegCase) -> str:
    """A new parcel (state-owned, construction-land use right on the surface); its unit code."""
    ewkb = repo.ewkb_from_wkt(session, wkt)
    subzone = session.execute(text(SUBZONE_SQL), {"g": ewkb}).scalar_one_or_none()
    if subzone is None:
        raise InvalidInput("the parcel lies in no cadastral subzone", field="geometry")
    topology.check_valid(session, ewkb)
    parcels_repo.lock_geometry_writes(session)
    topology.check_no_overlap(session, ewkb, [])
    (code,) = codes.new_codes(session, codes.template_for(subzone, "G", "B"), 1)
    new_id = parcels_repo.insert_version(
        session, unit_code=code, ewkb=ewkb, land_use=land_use, reg_status="registered", at=at
    )
    parcels_repo.record_edit(session, "create", _actor(case), at, [(None, new_id)])
    return code


def revise_parcel(
    session: Session,
    code: str,
    at: datetime,
    case: RegCase,
    *,
    land_use: str | None = None,
    wkt: str | None = None,
    reg_status: str | None = None,
) -> int | None:
    """Close the current version of parcel ``code`` and open the next; its version number."""
    rows = parcels_repo.lock_current(session, [code])
    if not rows:
        return None
    old = rows[0]
    ewkb = old.ewkb
    if wkt is not None:
        ewkb = repo.ewkb_from_wkt(session, wkt)
        topology.check_valid(session, ewkb)
        parcels_repo.lock_geometry_writes(session)
        topology.check_no_overlap(session, ewkb, [old.id])
    parcels_repo.close_versions(session, [old.id], at)
    new_id = parcels_repo.insert_version(
        session,
        unit_code=old.unit_code,
        ewkb=ewkb,
        land_use=land_use or old.land_use,
        reg_status=reg_status or old.reg_status,
        at=at,
        uid=old.uid,
        version=old.version + 1,
    )
    parcels_repo.record_edit(session, "change", _actor(case), at, [(old.id, new_id)])
    return int(old.version) + 1


def _actor(case: RegCase) -> str:
    return f"case {case.public_number}"
