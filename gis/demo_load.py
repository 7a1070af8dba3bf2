"""Write the demo district's planning layers, roads and river into the database (EPSG:4490)."""

from __future__ import annotations

from datetime import date

import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.bulk import copy_rows, ewkb_hex
from gis.demo import DemoArea, DemoDistrict
from gis.demo_look import RIVER
from gis.demo_plan import plan_zones
from gis.demo_shape import river_polygon
from gis.geo import AREA_SRID, STORAGE_SRID, reproject


def to_storage(polygons: list, srid: int = STORAGE_SRID) -> np.ndarray:
    """Polygons in EPSG:4547 to hex EWKB MultiPolygons in EPSG:4490."""
    geoms = [reproject(p, AREA_SRID, STORAGE_SRID) for p in polygons]
    multi = [g if g.geom_type == "MultiPolygon" else shapely.MultiPolygon([g]) for g in geoms]
    return ewkb_hex(np.array(multi, dtype=object), srid)


def load_plan(session: Session, district: DemoDistrict) -> int:
    """Insert the demo plan edition (in force) and its zones; returns the zone count."""
    edition_id = session.execute(
        text(
            "INSERT INTO plan_edition (name, approved_on, document, in_force) "
            "VALUES (:name, :approved, :doc, true) RETURNING id"
        ),
        {
            "name": "东莞市国土空间总体规划（2021-2035年）示范区",
            "approved": date(2023, 6, 30),
            "doc": "粤府函〔2023〕示范",
        },
    ).scalar_one()
    zones: list[DemoArea] = plan_zones(district)
    wkb = to_storage([z.polygon for z in zones])
    rows = (
        (edition_id, z.extra["layer"], z.extra["code"], z.name, g)
        for z, g in zip(zones, wkb, strict=True)
    )
    return copy_rows(session, "plan_zone", ["edition_id", "layer", "code", "name", "geom"], rows)


def load_roads(session: Session, district: DemoDistrict) -> int:
    """Insert the road centre lines; returns the road count."""
    roads = district.roads()
    lines = [reproject(shapely.LineString(r.extra["line"]), AREA_SRID, STORAGE_SRID) for r in roads]
    wkb = ewkb_hex(np.array(lines, dtype=object), STORAGE_SRID)
    rows = (
        (r.name, r.extra["class"], r.extra["width"], g) for r, g in zip(roads, wkb, strict=True)
    )
    return copy_rows(session, "road", ["name", "road_class", "width_m", "geom"], rows)


def load_water(session: Session, district: DemoDistrict) -> int:
    """Insert the river (the band the district leaves for it); returns the water bodies."""
    if district.bend.river_y is None:
        return 0
    river = river_polygon(district.bend, district.to_world)
    rows = [(RIVER[0], "river", to_storage([river])[0])]
    return copy_rows(session, "water", ["name", "kind", "geom"], rows)
