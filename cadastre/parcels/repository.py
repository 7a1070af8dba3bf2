"""SQL over parcel versions: reads, locks, inserts, closes and lineage. Never commits.

Geometries travel between Python and PostGIS as hex EWKB (EPSG:4490); areas are
square metres computed in EPSG:4547. Every value is a bound parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from cadastre.unit_code import parse_unit_code
from gis import db, extents
from gis.geojson import feature_collection
from gis.ogc.repository import (  # as the OGC items: a count took 0.8 s per page at 5M
    CHEAP_COUNT_ROWS,
    ESTIMATE_MAX_AGE_S,
)

ETAG_SQL = (
    "md5(concat_ws('|', p.id, p.version, p.unit_code, p.land_use, p.area_m2, p.reg_status,"
    " p.begin_lifespan, p.end_lifespan, md5(ST_AsEWKB(p.geom))))"
)
COLUMNS = f"""
p.id, p.uid, p.version, p.unit_code, p.parcel_code, p.subzone_code, p.block_code, p.land_use,
p.area_m2, p.reg_status, p.begin_lifespan, p.end_lifespan, {ETAG_SQL} AS etag,
ST_AsGeoJSON(p.geom, 9)::json AS geometry, ST_AsGeoJSON(p.ref_point, 9)::json AS ref_point,
encode(ST_AsEWKB(p.geom), 'hex') AS ewkb
"""


@dataclass(frozen=True)
class ParcelRow:
    """One parcel version as read from the register (geometry as GeoJSON and hex EWKB)."""

    id: int
    uid: int
    version: int
    unit_code: str
    parcel_code: str
    subzone_code: str
    block_code: str | None
    land_use: str
    area_m2: Decimal
    reg_status: str
    begin_lifespan: datetime
    end_lifespan: datetime | None
    etag: str
    geometry: dict[str, Any]
    ref_point: dict[str, Any]
    ewkb: str

    @property
    def quoted_etag(self) -> str:
        return f'"{self.etag}"'


# The register is partitioned by zone over subzone_code (migration 0050): naming the subzone
# (the unit code's first 12 characters; a parcel keeps its code across versions) lets a
# look-up by unit code read one partition instead of probing every zone's index.
ZONE = "p.subzone_code = :s"


def _code(code: str) -> dict[str, str]:
    return {"c": code, "s": code[:12]}


def _rows(session: Session, sql: str, params: dict[str, Any]) -> list[ParcelRow]:
    return [ParcelRow(**r._mapping) for r in session.execute(text(sql), params)]


def lock_current(session: Session, codes: list[str]) -> list[ParcelRow]:
    """The current versions of ``codes``, row-locked in unit-code order (no deadlocks)."""
    sql = text(
        f"SELECT {COLUMNS} FROM parcel p WHERE p.unit_code IN :codes AND p.end_lifespan IS NULL "
        "AND p.subzone_code IN :subs ORDER BY p.unit_code FOR UPDATE"
    ).bindparams(bindparam("codes", expanding=True), bindparam("subs", expanding=True))
    params = {"codes": codes, "subs": sorted({c[:12] for c in codes})}
    return [ParcelRow(**r._mapping) for r in session.execute(sql, params)]


def current(session: Session, code: str) -> ParcelRow | None:
    found = _rows(
        session,
        f"SELECT {COLUMNS} FROM parcel p WHERE p.unit_code = :c AND p.end_lifespan IS NULL"
        f" AND {ZONE}",
        _code(code),
    )
    return found[0] if found else None


def latest(session: Session, code: str) -> ParcelRow | None:
    """The most recent version carrying ``code`` (current or retired)."""
    found = _rows(
        session,
        f"SELECT {COLUMNS} FROM parcel p WHERE p.unit_code = :c AND {ZONE} "
        "ORDER BY p.begin_lifespan DESC, p.id DESC LIMIT 1",
        _code(code),
    )
    return found[0] if found else None


def as_of(session: Session, code: str, at: datetime) -> ParcelRow | None:
    """The version of ``code`` in force at instant ``at`` (begin <= at < end)."""
    found = _rows(
        session,
        f"SELECT {COLUMNS} FROM parcel p WHERE p.unit_code = :c AND p.begin_lifespan <= :at "
        f"AND (p.end_lifespan IS NULL OR p.end_lifespan > :at) AND {ZONE} "
        "ORDER BY p.id DESC LIMIT 1",
        {**_code(code), "at": at},
    )
    return found[0] if found else None


def versions(session: Session, code: str) -> list[ParcelRow]:
    """Every version of the parcel(s) that ever carried ``code``, oldest first."""
    return _rows(
        session,
        f"SELECT {COLUMNS} FROM parcel p WHERE p.uid IN (SELECT uid FROM parcel "
        f"WHERE unit_code = :c AND subzone_code = :s) AND {ZONE} "
        "ORDER BY p.begin_lifespan, p.version",
        _code(code),
    )


LINEAGE_SQL = """
SELECT e.id AS edit_id, e.operation, e.actor, e.at,
       pp.unit_code AS parent_code, pc.unit_code AS child_code
FROM parcel_lineage l JOIN parcel_edit e ON e.id = l.edit_id
LEFT JOIN parcel pp ON pp.id = l.parent_id
LEFT JOIN parcel pc ON pc.id = l.child_id
WHERE l.edit_id IN (
    SELECT edit_id FROM parcel_lineage WHERE parent_id IN :ids OR child_id IN :ids)
ORDER BY e.at, e.id, l.id
"""


def lineage(session: Session, version_ids: list[int]) -> list[dict[str, Any]]:
    """The edits that closed or opened any of ``version_ids``, one row per parent/child link."""
    if not version_ids:
        return []
    sql = text(LINEAGE_SQL).bindparams(bindparam("ids", expanding=True))
    return [dict(r._mapping) for r in session.execute(sql, {"ids": version_ids})]


HISTORY_CLOCK = "landgis.history_clock"


def clock(session: Session) -> datetime:
    """The database's wall clock now (not the transaction start), for lifespans.

    A back-entry of past edits (历史数据补录: a legacy register's history, the demo's past)
    sets ``session.info[HISTORY_CLOCK]`` to the edit's real date in its own code; no
    request or command line can reach it."""
    past: datetime | None = session.info.get(HISTORY_CLOCK)
    if past is not None:
        return past
    value: datetime = session.execute(text("SELECT clock_timestamp()")).scalar_one()
    return value


def lock_geometry_writes(session: Session) -> None:
    """Serialise footprint changes so two concurrent edits cannot create an overlap."""
    session.execute(text("SELECT pg_advisory_xact_lock(4490, 4547)"))


def close_versions(session: Session, ids: list[int], at: datetime) -> None:
    sql = text("UPDATE parcel SET end_lifespan = :at WHERE id IN :ids").bindparams(
        bindparam("ids", expanding=True)
    )
    session.execute(sql, {"at": at, "ids": ids})


INSERT_SQL = """
WITH g AS (SELECT ST_Multi(CAST(:ewkb AS geometry)) AS g)
INSERT INTO parcel (uid, version, unit_code, parcel_code, subzone_code, block_code, land_use,
                    area_m2, reg_status, ref_point, geom, begin_lifespan)
SELECT coalesce(CAST(:uid AS bigint), nextval('parcel_uid_seq')), :version, :unit_code,
       :parcel_code, :subzone_code,
       (SELECT b.code FROM street_block b
         WHERE ST_Intersects(b.geom, ST_PointOnSurface(g.g)) ORDER BY b.code LIMIT 1),
       :land_use, round(ST_Area(ST_Transform(g.g, 4547))::numeric, 2), :reg_status,
       ST_PointOnSurface(g.g), g.g, :at
FROM g
RETURNING id
"""


def insert_version(
    session: Session,
    *,
    unit_code: str,
    ewkb: str,
    land_use: str,
    reg_status: str,
    at: datetime,
    uid: int | None = None,
    version: int = 1,
) -> int:
    """Open a parcel version from hex EWKB (EPSG:4490); area, reference point and block derived."""
    params = {
        "ewkb": ewkb,
        "uid": uid,
        "version": version,
        "unit_code": unit_code,
        "parcel_code": unit_code[:19],
        "subzone_code": unit_code[:12],
        "land_use": land_use,
        "reg_status": reg_status,
        "at": at,
    }
    new_id: int = session.execute(text(INSERT_SQL), params).scalar_one()
    return new_id


def record_edit(
    session: Session,
    operation: str,
    actor: str,
    at: datetime,
    links: Sequence[tuple[int | None, int | None]],
) -> int:
    """Log an edit and its (parent version, child version) links; returns the edit id."""
    edit_id: int = session.execute(
        text("INSERT INTO parcel_edit (operation, actor, at) VALUES (:o, :a, :t) RETURNING id"),
        {"o": operation, "a": actor, "t": at},
    ).scalar_one()
    session.execute(
        text("INSERT INTO parcel_lineage (edit_id, parent_id, child_id) VALUES (:e, :p, :c)"),
        [{"e": edit_id, "p": p, "c": c} for p, c in links],
    )
    return edit_id


def by_ids(session: Session, ids: list[int], unit_codes: list[str]) -> list[ParcelRow]:
    """The parcel versions ``ids``, whose unit codes are among ``unit_codes``: their
    subzones name the partitions to read (an id alone planned every zone's: at 5M parcels
    ~20 ms a lookup, and the monitoring map made one per sold parcel)."""
    sql = text(
        f"SELECT {COLUMNS} FROM parcel p WHERE p.id IN :ids AND p.subzone_code IN :subzones "
        "ORDER BY p.id"
    ).bindparams(bindparam("ids", expanding=True), bindparam("subzones", expanding=True))
    subzones = sorted({parse_unit_code(code).subzone_code for code in unit_codes})
    return [
        ParcelRow(**r._mapping)
        for r in session.execute(sql, {"ids": ids, "subzones": subzones or [""]})
    ]


def point_in_subzone(session: Session, ewkb: str, subzone_code: str) -> bool:
    """Whether the geometry's point on surface lies in the subzone (EPSG:4490)."""
    found: bool = session.execute(
        text(
            "SELECT EXISTS (SELECT 1 FROM cadastral_subzone s WHERE s.code = :sz "
            "AND ST_Intersects(s.geom, ST_PointOnSurface(CAST(:g AS geometry))))"
        ),
        {"sz": subzone_code, "g": ewkb},
    ).scalar_one()
    return found


SEARCH_WHERE = """
FROM parcel p
WHERE (CASE WHEN CAST(:at AS timestamptz) IS NULL THEN p.end_lifespan IS NULL
       ELSE p.begin_lifespan <= :at AND (p.end_lifespan IS NULL OR p.end_lifespan > :at) END)
  AND (CAST(:zone AS text) IS NULL OR left(p.subzone_code, 9) = :zone)
  AND (CAST(:zone_end AS text) IS NULL
       OR (p.subzone_code >= :zone AND p.subzone_code < :zone_end))
  AND (CAST(:keys AS text[]) IS NULL OR (cardinality(CAST(:keys AS text[])) > 0
                                          AND p.subzone_code = ANY(CAST(:keys AS text[]))))
  AND (CAST(:subzone AS text) IS NULL OR p.subzone_code = :subzone)
  AND (CAST(:land_use AS text) IS NULL OR p.land_use LIKE :land_use || '%')
  AND (CAST(:status AS text) IS NULL OR p.reg_status = :status)
  AND (CAST(:prefix AS text) IS NULL OR p.unit_code LIKE :prefix || '%')
  AND (CAST(:bbox AS float8[]) IS NULL
       OR p.geom && ST_MakeEnvelope(:b0, :b1, :b2, :b3, 4490))
"""
SEARCH_ROWS = f"""
SELECT p.id, p.unit_code, p.land_use, p.area_m2, p.reg_status, p.subzone_code, p.block_code,
       p.version, p.begin_lifespan, p.end_lifespan, {ETAG_SQL} AS etag, p.geom
{SEARCH_WHERE}
ORDER BY p.unit_code, p.id LIMIT :limit OFFSET :offset
"""


def search(
    session: Session, filters: dict[str, Any], limit: int, offset: int
) -> tuple[str, int | None]:
    """(GeoJSON FeatureCollection text of up to ``limit + 1`` parcels, so the caller knows
    whether more follow; number matched, None when counting them would read more than
    :data:`CHEAP_COUNT_ROWS` versions) of parcels passing ``filters``.

    ``filters`` keys: at, zone, subzone, land_use, status, prefix, bbox (lon/lat, EPSG:4490).

    The register is partitioned by zone (migration 0050): a zone is also asked as the
    range of its partition, and a bbox as the subzones whose box meets it (``gis.extents``),
    so the statement is planned on the partitions it can touch, not on all of them (no
    subzone at all: a constant FALSE, as in :func:`gis.extents.condition`).
    """
    from cadastre.collections import PARCELS  # it imports the editor, which imports this

    bbox = filters.get("bbox")
    zone = filters.get("zone")
    params = {
        **{k: filters.get(k) for k in ("at", "zone", "subzone", "land_use", "status", "prefix")},
        "bbox": list(bbox) if bbox else None,
        **{f"b{i}": (bbox[i] if bbox else 0.0) for i in range(4)},
        # a zone code is digits: its partition holds subzone codes from it to the next
        "zone_end": str(int(zone) + 1).zfill(len(zone)) if zone and zone.isdigit() else None,
        "keys": None,
    }
    if bbox:
        params["keys"] = extents.keys(
            session, PARCELS, params, "ST_MakeEnvelope(:b0, :b1, :b2, :b3, 4490)"
        )
    fc = feature_collection(
        session, SEARCH_ROWS, {**params, "limit": limit + 1, "offset": offset}, 9
    )
    total: int | None = None
    if 0 <= db.estimated_rows(session, "parcel", ESTIMATE_MAX_AGE_S) <= CHEAP_COUNT_ROWS:
        total = session.execute(text(f"SELECT count(*) {SEARCH_WHERE}"), params).scalar_one()
    return fc, total


NEIGHBOURS_SQL = """
SELECT p.id, p.unit_code, p.land_use, p.area_m2,
       '<a href="/maps/parcels?unit_code=' || p.unit_code || '">' || p.unit_code || '</a>' AS link,
       p.geom
FROM parcel p
WHERE p.end_lifespan IS NULL AND p.id <> :id
  AND ST_DWithin(p.geom, CAST(:g AS geometry), 0.0002)
ORDER BY p.geom <-> CAST(:g AS geometry) LIMIT 60
"""


def neighbours(session: Session, ewkb: str, own_id: int) -> str:
    """GeoJSON of the current parcels within about 20 m of a geometry (EPSG:4490)."""
    return feature_collection(session, NEIGHBOURS_SQL, {"g": ewkb, "id": own_id}, 8)


def centre(session: Session, zone: str | None) -> tuple[float, float]:
    """(lon, lat) of the centre of a cadastral zone, or of all zones."""
    row = session.execute(
        text(
            "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(ST_Extent(geom)::geometry) AS c "
            "FROM cadastral_zone WHERE CAST(:z AS text) IS NULL OR code = :z) s"
        ),
        {"z": zone},
    ).one()
    return (float(row[0] or 0.0), float(row[1] or 0.0))
