"""GeoJSON built by PostGIS: the database assembles the whole FeatureCollection."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

FC_SQL = """
SELECT json_build_object(
  'type', 'FeatureCollection',
  'features', coalesce(json_agg(json_build_object(
      'type', 'Feature',
      'id', q.id,
      'geometry', ST_AsGeoJSON(q.geom, :digits)::json,
      'properties', to_jsonb(q) - 'geom' - 'id')), '[]'::json)
)::text
FROM ({inner}) AS q
"""


def feature_collection(
    session: Session, inner_sql: str, params: dict[str, Any] | None = None, digits: int = 7
) -> str:
    """Run ``inner_sql`` (columns ``id``, ``geom`` in EPSG:4490, and properties) as GeoJSON text.

    ``inner_sql`` is code, never user input; values travel as bound ``params``.
    """
    sql = text(FC_SQL.format(inner=inner_sql))
    return str(session.execute(sql, {"digits": digits, **(params or {})}).scalar_one())
