"""SQL over base-map features."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.geojson import feature_collection


def roads_geojson(session: Session) -> str:
    """GeoJSON of all road centre lines (EPSG:4490 as lon/lat)."""
    return feature_collection(
        session, "SELECT id, name, road_class, width_m, geom FROM road", digits=6
    )


_WATER = text(
    "SELECT name, kind, ST_AsGeoJSON(geom, 6), ST_X(c), ST_Y(c) FROM water "
    "CROSS JOIN LATERAL ST_PointOnSurface(geom) c ORDER BY id"
)


def water(session: Session) -> list[dict[str, Any]]:
    """Every water body: name, kind, GeoJSON geometry and an inner point (lon/lat, EPSG:4490)."""
    return [
        {"name": name, "kind": kind, "geojson": json.loads(gj), "lon": x, "lat": y}
        for name, kind, gj, x, y in session.execute(_WATER)
    ]
