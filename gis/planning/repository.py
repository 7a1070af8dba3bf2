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
