"""SQL over base-map features."""

from __future__ import annotations

from sqlalchemy.orm import Session

from gis.geojson import feature_collection


def roads_geojson(session: Session) -> str:
    """GeoJSON of all road centre lines (EPSG:4490 as lon/lat)."""
    return feature_collection(
        session, "SELECT id, name, road_class, width_m, geom FROM road", digits=6
    )
