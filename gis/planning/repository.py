"""SQL over plan editions and zones."""

from __future__ import annotations

from sqlalchemy.orm import Session

from gis.geojson import feature_collection

ZONES_IN_FORCE = """
SELECT z.id, z.layer, z.code, z.name, z.geom
FROM plan_zone z JOIN plan_edition e ON e.id = z.edition_id
WHERE e.in_force AND z.layer = :layer
"""


def zones_geojson(session: Session, layer: str) -> str:
    """GeoJSON of one layer of the plan edition in force (EPSG:4490 as lon/lat)."""
    return feature_collection(session, ZONES_IN_FORCE, {"layer": layer}, digits=6)
