"""What makes the district read like a place on the maps: 镇街 and 社区/村 labels at
the cadastral zones and subzones, the names of the main roads, 鱼塘 labels on blocks of pond
parcels (GB/T 21010 1104), and the water bodies of the base map (the river, drawn and
named). Everything is derived from the register and the base map, so it is deterministic.

A page carries the few district-wide names (towns, water); a map asks
``/maps/labels`` for the names of its view as it moves (a province has tens of
thousands of communities: too many for one page)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.orm import Session

from cadastre.collections import PARCELS
from gis import demo_look as demo
from gis import extents
from gis.basemap import repository as basemap

MAX_VIEW_LABELS = 500  # per kind and view: a z14 view of a dense province's subzones
TOWN_ZOOM, COMMUNITY_ZOOM, ROAD_ZOOM, POND_ZOOM = 0, 14, 15, 16
VIEW_ZOOM = COMMUNITY_ZOOM  # below it a map shows the district-wide labels only
_VIEW = "ST_MakeEnvelope(:w, :s, :e, :n, 4490)"

# the towns with current parcels (the subzones' tally, migration 0058: not every parcel)
_ZONES = text(
    "SELECT z.name, ST_X(c), ST_Y(c) FROM cadastral_zone z "
    "CROSS JOIN LATERAL ST_PointOnSurface(z.geom) c "
    "WHERE EXISTS (SELECT 1 FROM cadastral_subzone s JOIN parcel_subzone_tally t "
    "ON t.subzone_code = s.code WHERE s.zone_code = z.code AND t.current_parcels > 0) "
    "ORDER BY z.code"
)
# the subzones in view with current parcels, and how many of those are on collective land
_SUBZONES = text(
    "SELECT s.code, ST_X(c), ST_Y(c), t.collective_parcels::float8 / t.current_parcels "
    "FROM cadastral_subzone s JOIN parcel_subzone_tally t ON t.subzone_code = s.code "
    "CROSS JOIN LATERAL ST_PointOnSurface(s.geom) c "
    f"WHERE s.geom && {_VIEW} AND c && {_VIEW} AND t.current_parcels > 0 "
    "ORDER BY s.code LIMIT :limit"
)
# each main road in view labelled at even steps along it (about :spacing degrees apart, the
# middle for a short road), so a label stays put while the map pans and a road crossing
# the district is named wherever it is seen. Only the steps of the road's parts inside the
# view are placed (a road of the 5M district has ~7,500 vertices and ~100 steps)
_ROADS = text(
    "SELECT DISTINCT r.name, k, ST_X(p), ST_Y(p) FROM road r "
    "CROSS JOIN LATERAL (SELECT greatest(1, round(ST_Length(r.geom) / :spacing))::int AS n) c "
    f"CROSS JOIN LATERAL ST_Dump(ST_ClipByBox2D(r.geom, {_VIEW}::box2d)) part "
    "CROSS JOIN LATERAL (SELECT ST_LineLocatePoint(r.geom, ST_StartPoint(part.geom)) AS a, "
    "ST_LineLocatePoint(r.geom, ST_EndPoint(part.geom)) AS b) f "
    "CROSS JOIN LATERAL generate_series(ceil(least(f.a, f.b) * c.n - 0.5)::int, "
    "floor(greatest(f.a, f.b) * c.n - 0.5)::int) k "
    "CROSS JOIN LATERAL ST_LineInterpolatePoint(r.geom, (k + 0.5) / c.n) p "
    f"WHERE r.road_class = 'main' AND r.geom && {_VIEW} AND p && {_VIEW} "
    "ORDER BY r.name, k LIMIT :limit"
)
ROAD_LABEL_SPACING_DEG = 0.02  # at z15 (about 2 km); halved at each zoom in
# one label per street block of fish ponds in view, not per pond; the parcels are read on
# the partitions the view meets (gis.extents)
_PONDS = (
    "SELECT ST_X(c), ST_Y(c) FROM street_block b CROSS JOIN LATERAL ST_PointOnSurface(b.geom) c "
    f"WHERE b.geom && {_VIEW} AND c && {_VIEW} AND b.code IN (SELECT p.block_code FROM parcel p "
    f"WHERE p.geom && {_VIEW} AND p.land_use = '1104' AND p.end_lifespan IS NULL AND {{prune}}) "
    "ORDER BY b.code LIMIT :limit"
)


class PlaceLabel(BaseModel):
    """A place name on the map: its text, where (lon/lat, EPSG:4490), what it names and
    the zoom it shows from."""

    text: str
    lon: float
    lat: float
    kind: Literal["town", "community", "village", "road", "water"]
    minzoom: int


def _label(text_: str, lon: float, lat: float, kind: str, minzoom: int) -> dict[str, Any]:
    return {
        "text": text_,
        "lon": round(lon, 6),
        "lat": round(lat, 6),
        "kind": kind,
        "minzoom": minzoom,
    }


def labels(session: Session) -> list[dict[str, Any]]:
    """The district-wide place names (lon/lat, EPSG:4490), shown at every zoom: the towns
    and the water bodies. The names of a closer view come from :func:`labels_in`."""
    out = [
        _label(demo.town_label(name), x, y, "town", TOWN_ZOOM)
        for name, x, y in session.execute(_ZONES)
    ]
    for body in basemap.water(session):
        out.append(_label(body["name"], body["lon"], body["lat"], "water", TOWN_ZOOM))
    return out


def labels_in(
    session: Session, view: tuple[float, float, float, float], zoom: int
) -> list[dict[str, Any]]:
    """The place names inside ``view`` (minlon, minlat, maxlon, maxlat; EPSG:4490) that
    show at ``zoom``: 社区/村 from z14, main roads from z15, 鱼塘 blocks from z16; at most
    :data:`MAX_VIEW_LABELS` of each kind."""
    params = {**dict(zip("wsen", view, strict=True)), "limit": MAX_VIEW_LABELS}
    out: list[dict[str, Any]] = []
    if zoom >= COMMUNITY_ZOOM:
        for code, x, y, collective in session.execute(_SUBZONES, params):
            rural = float(collective) > 0.5
            kind = "village" if rural else "community"
            out.append(_label(demo.community_label(code, rural), x, y, kind, COMMUNITY_ZOOM))
    if zoom >= ROAD_ZOOM:
        spacing = ROAD_LABEL_SPACING_DEG / 2 ** (min(zoom, 18) - ROAD_ZOOM)
        for name, _, x, y in session.execute(_ROADS, {**params, "spacing": spacing}):
            out.append(_label(name, x, y, "road", ROAD_ZOOM))
    if zoom >= POND_ZOOM:
        keys = extents.keys(session, PARCELS, params, _VIEW)
        ponds = text(_PONDS.format(prune=extents.condition(PARCELS, "keys", "p")))
        for x, y in session.execute(ponds, {**params, "keys": keys}):
            out.append(_label(demo.POND[0], x, y, "water", POND_ZOOM))
    return out


WATER_STYLE = {"color": "#5b9bd5", "fillColor": "#a9cff0", "fillOpacity": 0.9, "weight": 1}


def shapes(session: Session) -> list[dict[str, Any]]:
    """Extra drawn features: the water bodies of the base map, as GeoJSON."""
    return [
        {"name": f"{body['name']} {body['kind']}", "geojson": body["geojson"], "style": WATER_STYLE}
        for body in basemap.water(session)
    ]
