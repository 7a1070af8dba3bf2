"""SQL over plan editions and zones (EPSG:4490 storage, areas in EPSG:4547 m²). Never commits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.errors import NotFound
from gis.geojson import feature_collection

ZONES_OF_EDITION = """
SELECT z.id, z.layer, z.code, z.name, z.geom
FROM plan_zone z JOIN plan_edition e ON e.id = z.edition_id
WHERE z.layer = :layer AND (e.id = :edition OR (CAST(:edition AS int) IS NULL AND e.in_force))
"""

OVERLAPS = text("""
WITH g AS (SELECT ST_GeomFromWKB(:wkb, 4490) AS g)
SELECT z.layer, z.code, z.name,
       ST_Area(ST_Transform(ST_Intersection(z.geom, g.g), 4547)) AS area_m2,
       ST_Area(ST_Transform(g.g, 4547)) AS total_m2
FROM g LEFT JOIN plan_zone z
  ON z.edition_id = :edition AND z.geom && g.g AND ST_Intersects(z.geom, g.g)
ORDER BY z.layer, area_m2 DESC
""")


@dataclass(frozen=True)
class ZoneOverlap:
    """The part of a checked geometry inside one zone, in m² (EPSG:4547)."""

    layer: str
    code: str
    name: str
    area_m2: float


def in_force_id(session: Session) -> int | None:
    return session.execute(text("SELECT id FROM plan_edition WHERE in_force")).scalar()


def edition_for_check(session: Session, edition_id: int | None) -> int:
    """The id of ``edition_id`` if it exists, else of the edition in force; NotFound if none."""
    if edition_id is None:
        found = in_force_id(session)
        if found is None:
            raise NotFound("no plan edition is in force", field="edition_id")
        return int(found)
    exists = session.execute(
        text("SELECT id FROM plan_edition WHERE id = :id"), {"id": edition_id}
    ).scalar()
    if exists is None:
        raise NotFound(f"no plan edition {edition_id}", field="edition_id")
    return int(exists)


def zone_overlaps(session: Session, wkb: bytes, edition: int) -> tuple[float, list[ZoneOverlap]]:
    """Area of the geometry (m²) and its overlap with every zone of ``edition`` it touches."""
    rows = session.execute(OVERLAPS, {"wkb": wkb, "edition": edition}).all()
    total = float(rows[0].total_m2) if rows else 0.0
    hits = [
        ZoneOverlap(r.layer, r.code or "", r.name or "", float(r.area_m2))
        for r in rows
        if r.layer is not None and float(r.area_m2) > 0
    ]
    return total, hits


def zones_geojson(session: Session, layer: str, edition: int | None = None) -> str:
    """GeoJSON of one layer of an edition (default: the one in force), lon/lat EPSG:4490."""
    params: dict[str, Any] = {"layer": layer, "edition": edition}
    return feature_collection(session, ZONES_OF_EDITION, params, digits=6)


ZONE_ETAG = """
SELECT md5(z.code || '|' || z.name || '|' || encode(ST_AsEWKB(z.geom), 'hex'))
FROM plan_zone z JOIN plan_edition e ON e.id = z.edition_id AND e.in_force
WHERE z.id = :id AND z.layer = :layer
"""


def zone_etag(session: Session, zone_id: int, layer: str, lock: bool = False) -> str | None:
    """Content hash of a zone of the edition in force (None if absent); ``lock`` locks the row."""
    sql = ZONE_ETAG + (" FOR UPDATE OF z" if lock else "")
    return session.execute(text(sql), {"id": zone_id, "layer": layer}).scalar()


def insert_zone(
    session: Session, edition: int, layer: str, code: str, name: str, wkb: bytes
) -> int:
    sql = text(
        "INSERT INTO plan_zone (edition_id, layer, code, name, geom) "
        "VALUES (:e, :layer, :code, :name, ST_Multi(ST_GeomFromWKB(:g, 4490))) RETURNING id"
    )
    params = {"e": edition, "layer": layer, "code": code, "name": name, "g": wkb}
    return int(session.execute(sql, params).scalar_one())


def update_zone(
    session: Session, zone_id: int, code: str | None, name: str | None, wkb: bytes | None
) -> None:
    sql = text(
        "UPDATE plan_zone SET code = coalesce(:code, code), name = coalesce(:name, name), "
        "geom = coalesce(ST_Multi(ST_GeomFromWKB(:g, 4490)), geom) WHERE id = :id"
    )
    session.execute(sql, {"id": zone_id, "code": code, "name": name, "g": wkb})


def delete_zone(session: Session, zone_id: int) -> None:
    session.execute(text("DELETE FROM plan_zone WHERE id = :id"), {"id": zone_id})


def list_editions(session: Session) -> list[Any]:
    sql = """
    SELECT e.id, e.name, e.approved_on, e.document, e.approval_authority, e.in_force,
           coalesce(json_object_agg(z.layer, z.n) FILTER (WHERE z.layer IS NOT NULL), '{}') AS zones
    FROM plan_edition e
    LEFT JOIN (SELECT edition_id, layer, count(*) AS n FROM plan_zone GROUP BY 1, 2) z
      ON z.edition_id = e.id
    GROUP BY e.id ORDER BY e.approved_on DESC, e.id DESC
    """
    return list(session.execute(text(sql)).all())


def insert_edition(
    session: Session, name: str, approved_on: Any, document: str, authority: str = ""
) -> int:
    sql = text(
        "INSERT INTO plan_edition (name, approved_on, document, approval_authority, in_force) "
        "VALUES (:n, :a, :d, :auth, false) RETURNING id"
    )
    params = {"n": name, "a": approved_on, "d": document, "auth": authority}
    return int(session.execute(sql, params).scalar_one())


def put_in_force(session: Session, edition: int) -> None:
    """Make ``edition`` the one in force (the partial unique index allows only one)."""
    session.execute(text("UPDATE plan_edition SET in_force = false WHERE in_force"))
    session.execute(text("UPDATE plan_edition SET in_force = true WHERE id = :id"), {"id": edition})


def delete_layer(session: Session, edition: int, layer: str) -> int:
    sql = text("DELETE FROM plan_zone WHERE edition_id = :e AND layer = :layer")
    return int(session.execute(sql, {"e": edition, "layer": layer}).rowcount)  # type: ignore[attr-defined]


def current_geometry_wkb(
    session: Session, table: str, id_column: str, where: str, fid: str
) -> bytes | None:
    """WKB (EPSG:4490) of one feature of a registered collection (identifiers from code)."""
    sql = f'SELECT ST_AsBinary(t.geom) FROM "{table}" t WHERE ({where}) AND t."{id_column}" = :fid'
    found = session.execute(text(sql), {"fid": fid}).scalar()
    return None if found is None else bytes(found)


LAYER_HEALTH = text("""
SELECT z.layer, count(*) AS zones,
       count(*) FILTER (WHERE ST_IsEmpty(z.geom) OR NOT ST_IsValid(z.geom)) AS invalid,
       array_agg(DISTINCT z.code) FILTER (WHERE z.layer = 'zoning') AS codes
FROM plan_zone z WHERE z.edition_id = :e GROUP BY z.layer
""")


@dataclass(frozen=True)
class LayerHealth:
    """How many zones a layer of an edition holds, how many are invalid, its zoning codes."""

    zones: int
    invalid: int
    codes: list[str]


def layer_health(session: Session, edition: int) -> dict[str, LayerHealth]:
    """Per layer of ``edition``: zone count, invalid or empty geometries, zoning codes."""
    rows = session.execute(LAYER_HEALTH, {"e": edition}).all()
    return {r.layer: LayerHealth(int(r.zones), int(r.invalid), list(r.codes or [])) for r in rows}


def edition_row(session: Session, edition: int, lock: bool = False) -> Any:
    """One edition with its approval (None if absent); ``lock`` takes its row lock."""
    sql = (
        "SELECT id, name, approved_on, document, approval_authority, approval_file_name, "
        "approval_file_sha256, in_force FROM plan_edition WHERE id = :id"
    )
    return session.execute(text(sql + (" FOR UPDATE" if lock else "")), {"id": edition}).first()


def set_approval_file(session: Session, edition: int, name: str, sha256: str) -> None:
    sql = text(
        "UPDATE plan_edition SET approval_file_name = :n, approval_file_sha256 = :h WHERE id = :id"
    )
    session.execute(sql, {"id": edition, "n": name, "h": sha256})


def lock_in_force(session: Session) -> int | None:
    """Lock the edition row in force (activations queue behind each other); its id."""
    return session.execute(text("SELECT id FROM plan_edition WHERE in_force FOR UPDATE")).scalar()


def activations(session: Session, edition: int | None = None) -> list[Any]:
    """The activation journal, newest first (of one edition if given)."""
    sql = (
        "SELECT id, edition_id, previous_edition_id, actor_name, reason, approval, zones, "
        "activated_at FROM plan_activation "
        "WHERE CAST(:e AS int) IS NULL OR edition_id = :e ORDER BY id DESC"
    )
    return list(session.execute(text(sql), {"e": edition}).all())
