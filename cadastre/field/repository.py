"""All SQL of field packages (bound parameters only; never commits). Geometries are
EPSG:4490 lon/lat; WKB is passed as hex."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from cadastre.parcels.repository import ETAG_SQL

PATCH_VERSION_SQL = (
    "md5(concat_ws('|', c.id, c.status, c.note, c.photo, c.checked_by, c.checked_at))"
)


def area_of_codes(session: Session, codes: list[str]) -> str | None:
    """The union of the current parcels with these unit codes, as hex EWKB multipolygon."""
    return session.execute(
        text(
            "SELECT encode(ST_AsEWKB(ST_Multi(ST_Union(geom))), 'hex') FROM parcel "
            "WHERE unit_code = ANY(:codes) AND end_lifespan IS NULL"
        ),
        {"codes": codes},
    ).scalar_one()


def area_of_patches(session: Session, ids: list[int]) -> str | None:
    """The union of these change patches, as hex EWKB multipolygon."""
    return session.execute(
        text(
            "SELECT encode(ST_AsEWKB(ST_Multi(ST_Union(geom))), 'hex') FROM change_patch "
            "WHERE id = ANY(:ids)"
        ),
        {"ids": ids},
    ).scalar_one()


def area_from_wkb(session: Session, wkb: bytes) -> str:
    """A (Multi)Polygon given as WKB in EPSG:4490, made valid, as hex EWKB multipolygon."""
    return str(
        session.execute(
            text(
                "SELECT encode(ST_AsEWKB(ST_Multi(ST_CollectionExtract(ST_MakeValid("
                "ST_SetSRID(ST_GeomFromWKB(:g), 4490)), 3))), 'hex')"
            ),
            {"g": wkb},
        ).scalar_one()
    )


def count_parcels(session: Session, area: str) -> int:
    return int(
        session.execute(
            text(
                "SELECT count(*) FROM parcel WHERE end_lifespan IS NULL "
                "AND ST_Intersects(geom, ST_GeomFromEWKB(decode(:a, 'hex')))"
            ),
            {"a": area},
        ).scalar_one()
    )


def parcels(session: Session, area: str, codes: list[str] | None) -> list[dict[str, Any]]:
    """Current parcels in the area (or exactly ``codes``) with their ETag as row version."""
    where = (
        "p.unit_code = ANY(:codes)"
        if codes
        else ("ST_Intersects(p.geom, ST_GeomFromEWKB(decode(:a, 'hex')))")
    )
    rows = session.execute(
        text(
            f"SELECT p.unit_code, p.land_use, p.reg_status, p.area_m2, {ETAG_SQL} AS version, "
            "ST_AsBinary(p.geom) AS wkb FROM parcel p "
            f"WHERE p.end_lifespan IS NULL AND {where} ORDER BY p.unit_code"
        ),
        {"a": area, "codes": codes or []},
    ).mappings()
    return [_plain(r) for r in rows]


def parcel_current(session: Session, unit_code: str) -> dict[str, Any] | None:
    """The current version of one parcel with its ETag (None when retired or unknown)."""
    row = (
        session.execute(
            text(
                f"SELECT p.unit_code, p.land_use, p.reg_status, p.area_m2, {ETAG_SQL} AS version, "
                "ST_AsBinary(p.geom) AS wkb FROM parcel p "
                "WHERE p.unit_code = :c AND p.end_lifespan IS NULL"
            ),
            {"c": unit_code},
        )
        .mappings()
        .first()
    )
    return _plain(row) if row else None


def plan_zones(session: Session, area: str) -> list[dict[str, Any]]:
    """Zones of the plan editions in force that meet the area."""
    rows = session.execute(
        text(
            "SELECT z.id, z.layer, z.code, z.name, ST_AsBinary(ST_Multi(z.geom)) AS wkb "
            "FROM plan_zone z JOIN plan_edition e ON e.id = z.edition_id "
            "WHERE e.in_force AND ST_Intersects(z.geom, ST_GeomFromEWKB(decode(:a, 'hex'))) "
            "ORDER BY z.id"
        ),
        {"a": area},
    ).mappings()
    return [_plain(r) for r in rows]


def patches(session: Session, area: str, ids: list[int] | None) -> list[dict[str, Any]]:
    """Open (pending) change patches in the area, or exactly ``ids``, with the date of
    the imagery that showed them and a row version."""
    where = (
        "c.id = ANY(:ids)"
        if ids
        else ("c.status = 'pending' AND ST_Intersects(c.geom, ST_GeomFromEWKB(decode(:a, 'hex')))")
    )
    rows = session.execute(
        text(
            f"SELECT c.id, c.verdict, c.status, c.note, c.photo, c.area_m2, "
            f"{PATCH_VERSION_SQL} AS version, r.acquired_on, ST_AsBinary(c.geom) AS wkb "
            "FROM change_patch c JOIN change_run u ON u.id = c.run_id "
            f"JOIN raster r ON r.id = u.after_id WHERE {where} ORDER BY c.id"
        ),
        {"a": area, "ids": ids or []},
    ).mappings()
    return [_plain(r) for r in rows]


def patch_current(session: Session, patch_id: int) -> dict[str, Any] | None:
    rows = patches(session, "", [patch_id])
    return rows[0] if rows else None


def within_m(session: Session, lon: float, lat: float, wkb_hex: str, metres: float) -> float:
    """Distance in metres from a lon/lat point to a geometry (hex WKB, EPSG:4490)."""
    return float(
        session.execute(
            text(
                "SELECT ST_Distance(ST_SetSRID(ST_MakePoint(:x, :y), 4490)::geography, "
                "ST_SetSRID(ST_GeomFromWKB(decode(:g, 'hex')), 4490)::geography)"
            ),
            {"x": lon, "y": lat, "g": wkb_hex},
        ).scalar_one()
    )


def observations(session: Session, package_id: str) -> list[dict[str, Any]]:
    """A package's observations kept at check-in, with their point (lon/lat EPSG:4490)."""
    rows = session.execute(
        text(
            "SELECT id, row_key, observer, unit_code, patch_id, note, photo, taken_at, "
            "ST_X(geom) AS lon, ST_Y(geom) AS lat FROM field_observation "
            "WHERE package_id = :p ORDER BY id"
        ),
        {"p": package_id},
    ).mappings()
    return [dict(r) for r in rows]


def syncs(session: Session, owner: str | None, limit: int) -> list[dict[str, Any]]:
    """The latest check-ins, newest first: every package's (``owner`` None) or one
    user's packages'; counts and summary from each report."""
    rows = session.execute(
        text(
            "SELECT s.id, s.package_id, s.actor, s.at, "
            "jsonb_array_length(coalesce(s.report->'applied', '[]')) AS applied, "
            "jsonb_array_length(coalesce(s.report->'conflicts', '[]')) AS conflicts, "
            "jsonb_array_length(coalesce(s.report->'refused', '[]')) AS refused, "
            "coalesce(s.report->>'summary_zh', '') AS summary_zh, "
            "coalesce(s.report->>'summary_en', '') AS summary_en "
            "FROM field_sync s JOIN field_package p ON p.id = s.package_id "
            "WHERE CAST(:owner AS text) IS NULL OR p.owner = :owner "
            "ORDER BY s.id DESC LIMIT :limit"
        ),
        {"owner": owner, "limit": limit},
    ).mappings()
    return [dict(r) for r in rows]


def _plain(row: Any) -> dict[str, Any]:
    """A result row as a dict, WKB as bytes (drivers may give memoryview)."""
    out = dict(row)
    if isinstance(out.get("wkb"), memoryview):
        out["wkb"] = bytes(out["wkb"])
    return out
