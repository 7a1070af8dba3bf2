"""CRS constants and geometry helpers.

Storage CRS is CGCS2000 geographic, EPSG:4490 (lon/lat order in PostGIS and in
every API, as GeoJSON wants). Areas and lengths are computed in the CGCS2000
3-degree Gauss-Kruger zone with central meridian 114 E, EPSG:4547, in metres.

GPS receivers deliver WGS 84 (EPSG:4326). WGS 84 and CGCS2000 differ by a few
centimetres, which this project ignores: coordinates in 4326 are stored as
4490 unchanged. This is the one place that choice is made (:func:`wgs84_to_cgcs2000`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TypeVar

import numpy as np
from pyproj import CRS, Transformer
from shapely import Geometry
from shapely import transform as shp_transform

STORAGE_SRID = 4490
AREA_SRID = 4547
WEB_SRID = 3857
GPS_SRID = 4326
SUPPORTED_SRIDS = (4490, 4547, 4526, 4326, 3857)


@lru_cache(maxsize=32)
def transformer(src: int, dst: int) -> Transformer:
    """A cached always-xy transformer between two EPSG codes (x=lon/easting first)."""
    return Transformer.from_crs(CRS.from_epsg(src), CRS.from_epsg(dst), always_xy=True)


G = TypeVar("G", Geometry, np.ndarray)


def reproject(geom: G, src: int, dst: int) -> G:
    """Reproject a shapely geometry (or an array of them, in one call); coordinates in x/y
    (lon/lat) order both sides."""
    if src == dst or {src, dst} == {GPS_SRID, STORAGE_SRID}:
        return geom
    tr = transformer(src, dst)

    def _apply(coords: np.ndarray) -> np.ndarray:
        x, y = tr.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shp_transform(geom, _apply)


def wgs84_to_cgcs2000(geom: Geometry) -> Geometry:
    """WGS 84 to CGCS2000: the identity, by the project's stated choice (cm-level difference)."""
    return geom


def area_m2(geom_4490: Geometry) -> float:
    """Area in square metres of a geometry given in EPSG:4490, computed in EPSG:4547."""
    return float(reproject(geom_4490, STORAGE_SRID, AREA_SRID).area)


def length_m(geom_4490: Geometry) -> float:
    """Length in metres of a geometry given in EPSG:4490, computed in EPSG:4547."""
    return float(reproject(geom_4490, STORAGE_SRID, AREA_SRID).length)
