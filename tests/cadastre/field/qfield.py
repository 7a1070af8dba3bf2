"""Edit a GeoPackage the way QField does: in place, through GDAL/OGR (the Debian GDAL
Python bindings in a separate /usr/bin/python3 process, not landgis code), feature by
feature: set attributes, move, add and delete features."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

OGR_SCRIPT = r"""
import json, sys
from osgeo import ogr
ogr.UseExceptions()
path, ops = sys.argv[1], json.loads(sys.argv[2])
ds = ogr.Open(path, 1)
for op in ops:
    layer = ds.GetLayerByName(op["layer"])
    if op["op"] == "add":
        f = ogr.Feature(layer.GetLayerDefn())
        for k, v in op.get("values", {}).items():
            f.SetField(k, v)
        f.SetGeometry(ogr.CreateGeometryFromWkt(op["wkt"]))
        layer.CreateFeature(f)
        continue
    layer.SetAttributeFilter(op["where"])
    found = [f for f in layer]
    layer.SetAttributeFilter(None)
    assert len(found) == 1, (op, len(found))
    f = found[0]
    if op["op"] == "delete":
        layer.DeleteFeature(f.GetFID())
        continue
    for k, v in op.get("values", {}).items():
        f.SetField(k, v)
    if "wkt" in op:
        f.SetGeometry(ogr.CreateGeometryFromWkt(op["wkt"]))
    layer.SetFeature(f)
ds = None
"""


def edit(gpkg: Path, ops: list[dict[str, Any]]) -> None:
    """Apply ``ops`` ({"op": "set"|"add"|"delete", "layer", "where" (OGR SQL), "values",
    "wkt"}) to ``gpkg`` with OGR."""
    done = subprocess.run(
        ["/usr/bin/python3", "-c", OGR_SCRIPT, str(gpkg), json.dumps(ops)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
