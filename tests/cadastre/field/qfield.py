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
        for k, v in op.get("blobs", {}).items():
            f.SetFieldBinaryFromHexString(k, v)
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
    "wkt"; an added row's "blobs": binary fields as hex}) to ``gpkg`` with OGR."""
    done = subprocess.run(
        ["/usr/bin/python3", "-c", OGR_SCRIPT, str(gpkg), json.dumps(ops)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


GDAL_PHOTO = r"""
import sys
from osgeo import gdal
gdal.UseExceptions()
path, lon, lat, taken = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]


def dms(v):
    d = int(v)
    m = int((v - d) * 60)
    return "(%d) (%d) (%.4f)" % (d, m, (v - d - m / 60) * 3600)


mem = gdal.GetDriverByName("MEM").Create("", 64, 48, 3)
for b, level in ((1, 120), (2, 160), (3, 80)):
    mem.GetRasterBand(b).Fill(level)
mem.SetMetadata({
    "EXIF_GPSLatitudeRef": "N", "EXIF_GPSLatitude": dms(lat),
    "EXIF_GPSLongitudeRef": "E", "EXIF_GPSLongitude": dms(lon),
    "EXIF_DateTimeOriginal": taken, "EXIF_Make": "GDAL field camera",
})
gdal.GetDriverByName("JPEG").CreateCopy(path, mem, options=["WRITE_EXIF_METADATA=YES"])
"""


def gdal_photo(path: Path, lon: float, lat: float, taken: str) -> None:
    """A JPEG whose EXIF GPS position and time are written by GDAL's JPEG driver (the Debian
    bindings in /usr/bin/python3), not by landgis or by the tests' Pillow."""
    path.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["/usr/bin/python3", "-c", GDAL_PHOTO, str(path), str(lon), str(lat), taken],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert not path.with_name(path.name + ".aux.xml").exists()  # EXIF inside the JPEG itself
