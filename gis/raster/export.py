"""Export the enforcement list as GeoPackage (EPSG:4490) or CSV (WKT geometry)."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
from shapely.geometry import shape

COLUMNS = [
    "id",
    "run_id",
    "area_m2",
    "mean_change",
    "direction",
    "in_farmland",
    "approved_ratio",
    "verdict",
    "verdict_zh",
    "status",
    "status_zh",
    "note",
    "checked_by",
    "checked_at",
    "zones",
    "parcels",
]


def _row(feature: dict[str, Any]) -> dict[str, Any]:
    props = feature["properties"]
    row = {c: props.get(c) for c in COLUMNS if c not in ("id", "zones", "parcels")}
    row["id"] = feature["id"]
    row["zones"] = ";".join(f"{z['layer']}:{z['code']}:{z['name']}" for z in props["zones"])
    row["parcels"] = ";".join(p["ref"] for p in props["parcels"])
    return {c: row[c] for c in COLUMNS}


def to_csv(collection: dict[str, Any]) -> str:
    """CSV with one row per patch and its geometry as WKT (EPSG:4490)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*COLUMNS, "wkt"])
    writer.writeheader()
    for feature in collection["features"]:
        writer.writerow({**_row(feature), "wkt": shape(feature["geometry"]).wkt})
    return out.getvalue()


def to_geopackage(collection: dict[str, Any]) -> bytes:
    """A GeoPackage with one layer ``change_patch`` in EPSG:4490."""
    rows = [_row(f) for f in collection["features"]]
    geoms = [shape(f["geometry"]) for f in collection["features"]]
    frame = gpd.GeoDataFrame(rows, columns=COLUMNS, geometry=geoms, crs="EPSG:4490")
    frame["area_m2"] = frame["area_m2"].astype(float)
    frame["detail"] = [
        json.dumps(f["properties"]["parcels"], ensure_ascii=False) for f in collection["features"]
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "changes.gpkg"
        frame.to_file(path, layer="change_patch", driver="GPKG", engine="pyogrio")
        return path.read_bytes()
