"""DXF output with ezdxf (DXF R2010: UTF-8, so Chinese layer names survive).

DXF has no attribute table: one label attribute becomes the entity's layer name.
Polygons become closed LWPOLYLINEs (one per ring), lines LWPOLYLINEs, points POINTs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import ezdxf
import shapely
from shapely import Geometry

_BAD_LAYER_CHARS = re.compile(r'[<>/\\":;?*|=`]')


def layer_name(value: object) -> str:
    """A DXF-safe layer name for a label (characters DXF forbids become ``_``)."""
    text = _BAD_LAYER_CHARS.sub("_", str(value)).strip()
    return text or "0"


def write_dxf(items: Iterable[tuple[Geometry, str]], dest: Path) -> int:
    """Write (geometry, label) pairs, coordinates as given, to ``dest``; returns the count."""
    doc = ezdxf.new("R2010")
    msp = doc.modelspace()
    count = 0
    for geom, label in items:
        if geom is None or geom.is_empty:
            continue
        layer = layer_name(label)
        if layer not in doc.layers:
            doc.layers.add(layer)
        for part in shapely.get_parts(geom):
            _add(msp, part, layer)
        count += 1
    doc.saveas(dest)
    return count


def _add(msp: object, geom: Geometry, layer: str) -> None:
    attribs = {"layer": layer}
    if geom.geom_type == "Point":
        msp.add_point((geom.x, geom.y), dxfattribs=attribs)  # type: ignore[attr-defined]
    elif geom.geom_type == "LineString":
        msp.add_lwpolyline(list(geom.coords), dxfattribs=attribs)  # type: ignore[attr-defined]
    elif geom.geom_type == "Polygon":
        for ring in [geom.exterior, *geom.interiors]:
            msp.add_lwpolyline(  # type: ignore[attr-defined]
                list(ring.coords)[:-1], close=True, dxfattribs=attribs
            )
