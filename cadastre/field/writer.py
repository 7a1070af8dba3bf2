"""The GeoPackage of a field package, written with pyogrio and rasterio (GDAL).

Layers (EPSG:4490): ``parcels`` (public attributes, editable ``land_use``),
``boundary_points`` (the parcels' exterior vertices, movable), ``plan_zones`` (read only),
``change_patches`` (editable ``status``, ``note``, ``photo``), ``observations`` (empty:
points added in the field with a photo), ``manifest`` (no geometry) and the raster
``basemap`` (GPKG tiles rendered from the parcels and plan zones, so the map works
offline). Every editable row carries ``_row_version``: the server version at checkout.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import rasterio
import shapely
from affine import Affine
from rasterio.features import rasterize

from gis import landuse

CRS = "EPSG:4490"
BASEMAP_MAX_PX = 1024
# basemap colours by first-level land-use class (RGB), the rest grey
COLOURS = {
    "01": (230, 230, 150),
    "02": (200, 230, 160),
    "03": (120, 190, 120),
    "04": (180, 220, 140),
    "05": (240, 160, 160),
    "06": (200, 170, 200),
    "07": (250, 200, 150),
    "08": (230, 150, 200),
    "10": (200, 200, 200),
    "11": (150, 190, 240),
}


@dataclass
class PackageRows:
    """What goes into one package (geometries as shapely, EPSG:4490)."""

    package_id: str
    user: str
    role: str
    created_at: datetime
    parcels: list[dict[str, Any]]
    points: list[dict[str, Any]]
    zones: list[dict[str, Any]]
    patches: list[dict[str, Any]]
    area: shapely.Geometry


def boundary_points(parcels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The exterior vertices of each parcel (closing vertex left out), named J1, J2, ...;
    key ``unit_code/part/seq``, version of the parcel's row."""
    out = []
    for p in parcels:
        n = 0
        for part, poly in enumerate(shapely.get_parts(p["geom"])):
            for seq, (x, y) in enumerate(list(poly.exterior.coords)[:-1]):
                n += 1
                out.append(
                    {
                        "point_key": f"{p['unit_code']}/{part}/{seq}",
                        "unit_code": p["unit_code"],
                        "part": part,
                        "seq": seq,
                        "point_no": f"J{n}",
                        "accuracy_class": None,
                        "precision_m": None,
                        "_row_version": p["version"],
                        "geom": shapely.Point(x, y),
                    }
                )
    return out


def write(rows: PackageRows, gpkg: Path) -> None:
    """Write every layer, the manifest and the basemap into ``gpkg`` (a new file)."""
    parcels = [
        {
            "unit_code": p["unit_code"],
            "land_use": p["land_use"],
            "land_use_zh": landuse.names(p["land_use"])[0],
            "reg_status": p["reg_status"],
            "area_m2": float(p["area_m2"]),
            "_row_version": p["version"],
            "geom": p["geom"],
        }
        for p in rows.parcels
    ]
    zones = [
        {k: z[k] for k in ("layer", "code", "name", "geom")} | {"zone_id": z["id"]}
        for z in rows.zones
    ]
    patches = [
        {
            "patch_id": c["id"],
            "verdict": c["verdict"],
            "status": c["status"],
            "note": c["note"],
            "photo": "",
            "imagery_date": str(c["acquired_on"] or ""),
            "_row_version": c["version"],
            "geom": c["geom"],
        }
        for c in rows.patches
    ]
    first = True
    for name, data, kind, columns in (
        ("parcels", parcels, "MultiPolygon", PARCEL_COLUMNS),
        ("boundary_points", rows.points, "Point", BOUNDARY_POINT_COLUMNS),
        ("plan_zones", zones, "MultiPolygon", ZONE_COLUMNS),
        ("change_patches", patches, "MultiPolygon", PATCH_COLUMNS),
        ("observations", [], "Point", OBSERVATION_COLUMNS),
    ):
        _layer(gpkg, name, data, kind, columns, first)
        first = False
    _blob_column(gpkg, "observations", "photo_data")
    _manifest(gpkg, rows)
    _basemap(gpkg, rows)


# each layer's columns, written even when it has no rows (a surveyor's package has no
# patches): QGIS and QField build the layer's form from the table's columns
PARCEL_COLUMNS = {
    "unit_code": "str",
    "land_use": "str",
    "land_use_zh": "str",
    "reg_status": "str",
    "area_m2": "float64",
    "_row_version": "str",
}
BOUNDARY_POINT_COLUMNS = {
    "point_key": "str",
    "unit_code": "str",
    "part": "Int64",
    "seq": "Int64",
    "point_no": "str",
    "accuracy_class": "Int64",
    "precision_m": "float64",
    "_row_version": "str",
}
ZONE_COLUMNS = {"layer": "str", "code": "str", "name": "str", "zone_id": "Int64"}
PATCH_COLUMNS = {
    "patch_id": "Int64",
    "verdict": "str",
    "status": "str",
    "note": "str",
    "photo": "str",
    "imagery_date": "str",
    "_row_version": "str",
}
OBSERVATION_COLUMNS = {
    "patch_id": "Int64",
    "unit_code": "str",
    "note": "str",
    "photo": "str",
    "taken_at": "str",
}
POINT_COLUMNS = {"accuracy_class": "Int64", "precision_m": "float64"}


def _layer(
    gpkg: Path,
    name: str,
    data: list[dict[str, Any]],
    kind: str,
    empty: dict[str, str],
    first: bool,
) -> None:
    if data:
        frame = pd.DataFrame([{k: v for k, v in r.items() if k != "geom"} for r in data])
        for col, dtype in POINT_COLUMNS.items():
            if col in frame:
                frame[col] = frame[col].astype(dtype)
        geoms = gpd.GeoSeries([r["geom"] for r in data], crs=CRS)
    else:
        frame = pd.DataFrame({c: pd.Series([], dtype=t) for c, t in empty.items()})
        geoms = gpd.GeoSeries([], crs=CRS)
    gdf = gpd.GeoDataFrame(frame, geometry=geoms, crs=CRS)
    options = {"VERSION": "1.2"} if first else {}
    pyogrio.write_dataframe(
        gdf,
        gpkg,
        layer=name,
        driver="GPKG",
        geometry_type=kind,
        promote_to_multi=False,
        dataset_options=options,
        layer_options={"FID": "fid"},
    )


def _blob_column(gpkg: Path, table: str, column: str) -> None:
    """Add a BLOB column (GDAL reads it as a binary field) for a photo kept inside the
    GeoPackage rather than beside it; pandas has no binary dtype for an empty layer."""
    con = sqlite3.connect(gpkg)
    try:
        with con:  # the file's own SQLite transaction, not the register's unit of work
            con.execute(f'ALTER TABLE "{table}" ADD COLUMN "{column}" BLOB')  # our own names
    finally:
        con.close()


def _manifest(gpkg: Path, rows: PackageRows) -> None:
    """The manifest table: package id, user, role, created at and the version of every row."""
    versions = {
        "parcels": {p["unit_code"]: p["version"] for p in rows.parcels},
        "change_patches": {str(c["id"]): c["version"] for c in rows.patches},
    }
    frame = pd.DataFrame(
        [
            {
                "package_id": rows.package_id,
                "user": rows.user,
                "role": rows.role,
                "created_at": rows.created_at.isoformat(),
                "versions": json.dumps(versions),
                "rows": len(rows.parcels) + len(rows.points) + len(rows.patches),
            }
        ]
    )
    pyogrio.write_dataframe(frame, gpkg, layer="manifest", driver="GPKG")


def _basemap(gpkg: Path, rows: PackageRows) -> None:
    """Render parcels (by land use), plan zones and patches (outlines) into GPKG tiles."""
    x0, y0, x1, y1 = rows.area.bounds
    pad = max(x1 - x0, y1 - y0, 1e-4) * 0.1
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    scale = BASEMAP_MAX_PX / max(x1 - x0, y1 - y0)
    width, height = max(int((x1 - x0) * scale), 16), max(int((y1 - y0) * scale), 16)
    transform = Affine((x1 - x0) / width, 0, x0, 0, -(y1 - y0) / height, y1)
    rgb = np.full((3, height, width), 245, dtype="uint8")
    shape = (height, width)
    for p in rows.parcels:
        mask = rasterize([p["geom"]], out_shape=shape, transform=transform, fill=0, default_value=1)
        for band, value in enumerate(COLOURS.get(p["land_use"][:2], (210, 210, 210))):
            rgb[band][mask == 1] = value
    outlines = [
        g.boundary for g in [p["geom"] for p in rows.parcels] + [z["geom"] for z in rows.zones]
    ]
    for geoms, colour in (
        (outlines, (60, 60, 60)),
        ([c["geom"].boundary for c in rows.patches], (220, 0, 0)),
    ):
        if not geoms:
            continue
        mask = rasterize(geoms, out_shape=shape, transform=transform, fill=0, default_value=1)
        for band, value in enumerate(colour):
            rgb[band][mask == 1] = value
    with rasterio.open(
        gpkg,
        "w",
        driver="GPKG",
        width=width,
        height=height,
        count=3,
        dtype="uint8",
        crs=CRS,
        transform=transform,
        RASTER_TABLE="basemap",
        APPEND_SUBDATASET="YES",
        TILE_FORMAT="PNG",
    ) as dst:
        dst.write(rgb)
