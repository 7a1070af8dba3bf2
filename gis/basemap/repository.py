"""SQL over base-map features."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session


def nearest_road_sql(geom: str) -> str:
    """A scalar SQL subquery: the name of the road nearest to the SQL geometry ``geom``
    (EPSG:4490), read from the roads' short pieces (migration 0059: a KNN over whole
    district-long roads measured hundreds of them)."""
    return (
        "(SELECT r.name FROM road_piece rp JOIN road r ON r.id = rp.road_id "
        f"ORDER BY rp.geom <-> {geom} LIMIT 1)"
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
