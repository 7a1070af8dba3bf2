"""Enforcement overlay of one changed patch (EPSG:4490): planning zones, basic farmland,
approval sources, and the verdict (explained by an approval, or suspected illegal use).

Areas are square metres in EPSG:4547. A patch is explained when at least
``APPROVED_SHARE`` of its area lies on land an approval source marks as approved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.planning.models import LAYERS
from gis.raster.approvals import ApprovalSource

APPROVED_SHARE = 0.5

ZONES_SQL = text(
    """
    SELECT z.layer, z.code, z.name,
           ST_Area(ST_Transform(ST_Intersection(z.geom, p.g), 4547)) AS overlap_m2
    FROM plan_zone z
    JOIN plan_edition e ON e.id = z.edition_id AND e.in_force
    CROSS JOIN (SELECT ST_GeomFromWKB(decode(:wkb, 'hex'), 4490) AS g) p
    WHERE ST_Intersects(z.geom, p.g)
    ORDER BY overlap_m2 DESC
    """
)


@dataclass
class Overlay:
    """What a patch touches and what that means."""

    zones: list[dict[str, Any]] = field(default_factory=list)
    parcels: list[dict[str, Any]] = field(default_factory=list)
    in_farmland: bool = False
    approved_m2: float = 0.0


def zones_touched(session: Session, wkb_hex: str) -> list[dict[str, Any]]:
    """Zones of the plan edition in force that the patch overlaps, largest overlap first."""
    out = []
    for layer, code, name, overlap in session.execute(ZONES_SQL, {"wkb": wkb_hex}):
        if overlap <= 0.01:
            continue
        zh, en = LAYERS.get(layer, (layer, layer))
        out.append(
            {
                "layer": layer,
                "layer_zh": zh,
                "layer_en": en,
                "code": code,
                "name": name,
                "overlap_m2": round(float(overlap), 2),
            }
        )
    return out


def _source_sql(source: ApprovalSource) -> Any:
    # source.sql comes from code (the registry), never from a request.
    return text(
        f"""
        WITH a AS ({source.sql}),
             p AS (SELECT ST_GeomFromWKB(decode(:wkb, 'hex'), 4490) AS g),
             hit AS (SELECT a.ref, a.label, a.approved, ST_Intersection(a.geom, p.g) AS part
                     FROM a, p WHERE ST_Intersects(a.geom, p.g))
        SELECT ref, label, approved, ST_Area(ST_Transform(part, 4547)) AS overlap_m2,
               ST_AsBinary(part) AS part
        FROM hit ORDER BY overlap_m2 DESC
        """
    )


def approvals_touched(
    session: Session, wkb_hex: str, sources: Sequence[ApprovalSource]
) -> tuple[list[dict[str, Any]], float]:
    """Rows of every approval source meeting the patch, and the approved area (m², EPSG:4547)."""
    rows: list[dict[str, Any]] = []
    approved_parts: list[bytes] = []
    for source in sources:
        for ref, label, approved, overlap, part in session.execute(
            _source_sql(source), {"wkb": wkb_hex}
        ):
            if overlap <= 0.01:
                continue
            rows.append(
                {
                    "source": source.name,
                    "source_zh": source.title_zh,
                    "source_en": source.title_en,
                    "ref": ref,
                    "label": label,
                    "approved": bool(approved),
                    "overlap_m2": round(float(overlap), 2),
                }
            )
            if approved:
                approved_parts.append(bytes(part))
    return rows, _union_area(session, approved_parts)


def _union_area(session: Session, parts: list[bytes]) -> float:
    if not parts:
        return 0.0
    sql = text(
        "SELECT ST_Area(ST_Transform(ST_Union(ST_GeomFromWKB(w, 4490)), 4547)) "
        "FROM unnest(CAST(:parts AS bytea[])) AS w"
    )
    return float(session.execute(sql, {"parts": parts}).scalar_one() or 0.0)


def overlay(session: Session, wkb_hex: str, sources: Sequence[ApprovalSource]) -> Overlay:
    """Zones, parcels and approved area of one patch given as hex WKB in EPSG:4490."""
    zones = zones_touched(session, wkb_hex)
    parcels, approved_m2 = approvals_touched(session, wkb_hex, sources)
    in_farmland = any(z["layer"] == "farmland" for z in zones)
    return Overlay(zones, parcels, in_farmland, approved_m2)


def verdict(area_m2: float, approved_m2: float) -> str:
    """``approved`` when approvals cover at least APPROVED_SHARE of the patch."""
    if area_m2 > 0 and approved_m2 / area_m2 >= APPROVED_SHARE:
        return "approved"
    return "suspected_illegal"
