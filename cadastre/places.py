"""What makes the district read like a place on the maps: 镇街 and 社区/村 labels at
the cadastral zones and subzones, the names of the main roads, 鱼塘 labels on blocks of pond
parcels (GB/T 21010 1104), and the water bodies of the base map (the river, drawn and
named). Everything is derived from the register and the base map, so it is deterministic."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis import demo_look as demo
from gis.basemap import repository as basemap

MAX_POND_LABELS = 40
TOWN_ZOOM, COMMUNITY_ZOOM, ROAD_ZOOM, POND_ZOOM = 0, 14, 15, 16

# subzones with the share of their current parcels on collective land (unit code 'J?')
_SUBZONES = text(
    "SELECT s.code, ST_X(c), ST_Y(c), coalesce(avg((substr(p.unit_code, 13, 1) = 'J')::int), 0) "
    "FROM cadastral_subzone s CROSS JOIN LATERAL ST_PointOnSurface(s.geom) c "
    "LEFT JOIN parcel p ON p.subzone_code = s.code AND p.end_lifespan IS NULL "
    "GROUP BY s.code, c HAVING count(p.id) > 0 ORDER BY s.code"
)
_ZONES = text(
    "SELECT z.name, ST_X(c), ST_Y(c) FROM cadastral_zone z "
    "CROSS JOIN LATERAL ST_PointOnSurface(z.geom) c "
    "WHERE EXISTS (SELECT 1 FROM cadastral_subzone s JOIN parcel p ON p.subzone_code = s.code "
    "AND p.end_lifespan IS NULL WHERE s.zone_code = z.code) ORDER BY z.code"
)
_ROADS = text(  # one label per named road, at a point along it (two on long roads)
    "SELECT name, ST_X(p), ST_Y(p) FROM road CROSS JOIN LATERAL (VALUES "
    "(ST_LineInterpolatePoint(geom, 0.3)), "
    "(ST_LineInterpolatePoint(geom, 0.7))) AS v(p) "
    "WHERE road_class = 'main' ORDER BY name"
)
_PONDS = text(  # one label per street block of fish ponds, not per pond
    "SELECT ST_X(c), ST_Y(c) FROM street_block b CROSS JOIN LATERAL ST_PointOnSurface(b.geom) c "
    "WHERE b.code IN (SELECT p.block_code FROM parcel p WHERE p.land_use = '1104' "
    "AND p.end_lifespan IS NULL) ORDER BY b.code LIMIT :n"
)


def _label(text_: str, lon: float, lat: float, kind: str, minzoom: int) -> dict[str, Any]:
    return {
        "text": text_,
        "lon": round(lon, 6),
        "lat": round(lat, 6),
        "kind": kind,
        "minzoom": minzoom,
    }


def labels(session: Session) -> list[dict[str, Any]]:
    """Place-name labels of the district (lon/lat, EPSG:4490) with the zoom they show from."""
    out = [
        _label(demo.town_label(name), x, y, "town", TOWN_ZOOM)
        for name, x, y in session.execute(_ZONES)
    ]
    for code, x, y, collective in session.execute(_SUBZONES):
        rural = float(collective) > 0.5
        kind = "village" if rural else "community"
        out.append(_label(demo.community_label(code, rural), x, y, kind, COMMUNITY_ZOOM))
    for name, x, y in session.execute(_ROADS):
        out.append(_label(name, x, y, "road", ROAD_ZOOM))
    for x, y in session.execute(_PONDS, {"n": MAX_POND_LABELS}):
        out.append(_label(demo.POND[0], x, y, "water", POND_ZOOM))
    for body in basemap.water(session):
        out.append(_label(body["name"], body["lon"], body["lat"], "water", TOWN_ZOOM))
    return out


WATER_STYLE = {"color": "#5b9bd5", "fillColor": "#a9cff0", "fillOpacity": 0.9, "weight": 1}


def shapes(session: Session) -> list[dict[str, Any]]:
    """Extra drawn features: the water bodies of the base map, as GeoJSON."""
    return [
        {"name": f"{body['name']} {body['kind']}", "geojson": body["geojson"], "style": WATER_STYLE}
        for body in basemap.water(session)
    ]
