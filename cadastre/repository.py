"""SQL over the register. Never commits: the service owns the transaction."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.geojson import feature_collection

PUBLIC_PARCELS_NEAR = """
SELECT p.id, p.unit_code, p.land_use, p.area_m2, p.reg_status, p.geom
FROM parcel p
WHERE p.end_lifespan IS NULL
ORDER BY p.geom <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4490)
LIMIT :limit
"""


def district_centre(session: Session) -> tuple[float, float] | None:
    """(lon, lat) of the middle of all cadastral zones, or None for an empty register."""
    row = session.execute(
        text(
            "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(ST_Extent(geom)::geometry) AS c "
            "FROM cadastral_zone) s WHERE c IS NOT NULL"
        )
    ).first()
    return (float(row[0]), float(row[1])) if row else None


def public_parcels_near(session: Session, lon: float, lat: float, limit: int) -> str:
    """GeoJSON of the ``limit`` current parcels nearest (lon, lat), public attributes only."""
    return feature_collection(
        session, PUBLIC_PARCELS_NEAR, {"lon": lon, "lat": lat, "limit": limit}, digits=7
    )
