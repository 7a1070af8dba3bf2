"""Helpers of the registry tests: run a case through its steps as a registrar."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cadastre.registry import service
from cadastre.registry.models import RRR, BAUnit, JournalEntry, Party, RegCase


def run_case(
    db: Session, case_type: str, *, through: str = "enter", role: str = "registrar", **req: Any
) -> str:
    """Submit a case and take it through accept, review, enter (and issue if asked)."""
    note = req.pop("note", "")
    case = service.open_case(
        db, case_type_code=case_type, submitted_by="li.wei", role=role, request=req, note=note
    )
    for step in ("accept", "review", "enter", "issue"):
        service.take_step(db, case.public_number, step, actor="li.wei", role="registrar")
        if step == through:
            break
    return case.public_number


def register_counts(db: Session) -> dict[str, int]:
    """Row counts of every registry table: 'nothing changed' is an equal dict."""
    return {
        m.__tablename__: int(db.scalar(select(func.count()).select_from(m)) or 0)
        for m in (RRR, BAUnit, Party, RegCase, JournalEntry)
    }


def free_square(db: Session, side_deg: float = 0.00005) -> dict[str, Any]:
    """A small square (GeoJSON, EPSG:4490) inside a subzone, clear of every current parcel."""
    from sqlalchemy import text

    x, y = db.execute(
        text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(ST_Difference(s.geom, "
            "(SELECT ST_Union(ST_Buffer(geom, 0.0002)) FROM parcel WHERE end_lifespan IS NULL "
            "AND geom && s.geom))) AS p FROM cadastral_subzone s ORDER BY code LIMIT 1) q"
        )
    ).one()
    x, y, d = float(x), float(y), side_deg
    ring = [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}
