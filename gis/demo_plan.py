"""The demo district's land-use plan: zoning, basic farmland, development boundary, red line.

Drawn on the subzone grid of :class:`gis.demo.DemoDistrict`, in EPSG:4547 metres:
the centre is zoned commercial and public, the middle ring residential and
industrial inside the urban development boundary, the outer ring cropland and forest,
with basic-farmland protection areas and an ecological red line outside the boundary.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import Polygon

from gis.demo import SUBZONE_BLOCKS, DemoArea, DemoDistrict


def subzone_cells(district: DemoDistrict) -> list[tuple[DemoArea, float, float]]:
    """Each subzone with its distance from the centre (0..~1.25) and bearing in degrees."""
    out = []
    for area in district.subzones():
        r, c = area.extra["row"], area.extra["col"]
        rm = min(r + SUBZONE_BLOCKS, district.rows)
        cm = min(c + SUBZONE_BLOCKS, district.cols)
        rad = district.radius((r + rm) / 2 - 0.5, (c + cm) / 2 - 0.5)
        ang = math.degrees(
            math.atan2((r + rm) / 2 - district.rows / 2, (c + cm) / 2 - district.cols / 2)
        )
        out.append((area, rad, ang % 360))
    return out


def plan_zones(district: DemoDistrict) -> list[DemoArea]:
    """Zoning, basic-farmland, development-boundary and red-line polygons (EPSG:4547)."""
    rng = np.random.default_rng([district.seed, 7])
    zones: list[DemoArea] = []
    inside: list[Polygon] = []
    red: list[Polygon] = []
    for area, rad, ang in subzone_cells(district):
        if rad < 0.35:
            code = "05" if rng.random() < 0.5 else "08"
        elif rad < 0.72:
            code = "07" if rng.random() < 0.7 else "06"
        else:
            code = "01" if rng.random() < 0.75 else "03"
        zones.append(
            DemoArea(
                f"Z{area.code}",
                f"{area.code}用途区",
                area.polygon,
                extra={"layer": "zoning", "code": code},
            )
        )
        if rad < 0.72:
            inside.append(area.polygon)
        elif code == "01" or rad > 0.9:
            zones.append(
                DemoArea(
                    f"F{area.code}",
                    f"{area.code}基本农田保护区",
                    area.polygon.buffer(-25.0, join_style="mitre"),
                    extra={"layer": "farmland", "code": "01"},
                )
            )
        if rad >= 0.72 and 200 <= ang <= 250:
            red.append(area.polygon.buffer(-10.0, join_style="mitre"))
    if inside:
        zones.append(
            DemoArea(
                "UDB",
                "城镇开发边界",
                shapely.union_all(inside),
                extra={"layer": "development_boundary", "code": ""},
            )
        )
    if red:
        zones.append(
            DemoArea(
                "ERL",
                "生态保护红线",
                shapely.union_all(red),
                extra={"layer": "ecological_redline", "code": ""},
            )
        )
    return zones
