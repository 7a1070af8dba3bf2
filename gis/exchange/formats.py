"""The vector formats landgis reads and writes, with their GDAL drivers and names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gis.errors import UnsupportedFormat


@dataclass(frozen=True)
class VectorFormat:
    """One exchange format: key, GDAL driver, file suffix, Chinese and English names."""

    key: str
    driver: str
    suffix: str
    name_zh: str
    name_en: str
    media_type: str


FORMATS: dict[str, VectorFormat] = {
    f.key: f
    for f in (
        VectorFormat("gpkg", "GPKG", ".gpkg", "GeoPackage 地理数据包", "GeoPackage",
                     "application/geopackage+sqlite3"),
        VectorFormat("shp", "ESRI Shapefile", ".zip", "Shapefile（zip 压缩）", "zipped Shapefile",
                     "application/zip"),
        VectorFormat("geojson", "GeoJSON", ".geojson", "GeoJSON", "GeoJSON",
                     "application/geo+json"),
        VectorFormat("fgb", "FlatGeobuf", ".fgb", "FlatGeobuf", "FlatGeobuf",
                     "application/octet-stream"),
        VectorFormat("csv", "CSV", ".csv", "CSV（WKT 几何）", "CSV with WKT geometry", "text/csv"),
        VectorFormat("dxf", "DXF", ".dxf", "AutoCAD DXF", "AutoCAD DXF", "image/vnd.dxf"),
        VectorFormat("kml", "KML", ".kml", "KML", "KML", "application/vnd.google-earth.kml+xml"),
    )
}  # fmt: skip

WRITABLE = ("gpkg", "shp", "geojson", "fgb", "csv", "dxf")

_SUFFIXES = {
    ".gpkg": "gpkg",
    ".zip": "shp",
    ".shp": "shp",
    ".geojson": "geojson",
    ".json": "geojson",
    ".fgb": "fgb",
    ".csv": "csv",
    ".dxf": "dxf",
    ".kml": "kml",
}


def format_of(path: Path | str, field: str = "file") -> VectorFormat:
    """The format of a file judged by its suffix; UnsupportedFormat for anything else."""
    suffix = Path(path).suffix.lower()
    key = _SUFFIXES.get(suffix)
    if key is None:
        known = ", ".join(sorted(_SUFFIXES))
        raise UnsupportedFormat(
            f"cannot read {Path(path).name!r}: suffix {suffix or '(none)'} is not one of {known}",
            field=field,
        )
    return FORMATS[key]


def writable_format(key: str, field: str = "format") -> VectorFormat:
    """The writable format named ``key`` (gpkg, shp, geojson, fgb, csv, dxf)."""
    if key not in WRITABLE:
        raise UnsupportedFormat(
            f"cannot write format {key!r}; choose one of {', '.join(WRITABLE)}", field=field
        )
    return FORMATS[key]
