"""Reading vector files in bounded memory, reprojected to EPSG:4490.

Any GDAL vector source pyogrio opens: GeoPackage, Shapefile (zip or folder), GeoJSON,
FlatGeobuf, KML, DXF and CSV with a WKT column. The CRS is the file's own; a CRS
given by the caller is used only when the file has none, and a file with neither
is refused. Features stream in Arrow batches (``pyogrio.raw.open_arrow``), so
memory depends on the chunk size, not the file size.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pyogrio
import shapely
from pyogrio.raw import open_arrow
from pyproj import CRS
from pyproj.exceptions import CRSError

from gis.errors import InvalidInput, UnsupportedFormat
from gis.exchange.archive import extract_zip
from gis.exchange.formats import VectorFormat, format_of
from gis.geo import STORAGE_SRID, reproject, transformer

CSV_OPTIONS = {
    "GEOM_POSSIBLE_NAMES": "WKT,wkt,geometry,geom,GEOMETRY,几何",
    "KEEP_GEOM_COLUMNS": "NO",
}
RANGE_MARGIN_DEG = 1.0  # slack around a CRS's area of use before coordinates are refused


@dataclass
class VectorSource:
    """An opened vector dataset: where it is, its format, layers and CRS (an EPSG code)."""

    path: Path
    fmt: VectorFormat
    layers: list[str]
    srid: int
    count: int
    fields: list[str] = field(default_factory=list)
    encoding: str | None = None


def parse_crs(value: str | int | None, field: str = "crs") -> int | None:
    """An EPSG code from ``EPSG:4547``, ``4547`` or a CRS name; None stays None."""
    if value is None or value == "":
        return None
    try:
        epsg = CRS.from_user_input(int(value) if str(value).isdigit() else str(value)).to_epsg(
            min_confidence=70
        )
    except CRSError:
        epsg = None
    if epsg is None:
        raise InvalidInput(f"unknown coordinate reference system {value!r}", field=field)
    return int(epsg)


def locate_dataset(path: Path, workdir: Path, max_bytes: int, field: str = "file") -> Path:
    """The dataset to open: the file itself, or the one readable file inside a zip or folder."""
    if path.is_dir():
        return _one_dataset(path, field)
    if path.suffix.lower() == ".zip":
        extract_zip(path, workdir, max_bytes, field)
        return _one_dataset(workdir, field)
    format_of(path, field)
    return path


def _one_dataset(folder: Path, field: str) -> Path:
    shps = sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".shp")
    if shps:
        missing = [s for s in (".shx", ".dbf") if not shps[0].with_suffix(s).exists()]
        if missing:
            raise InvalidInput(
                f"the shapefile {shps[0].name} lacks its {' and '.join(missing)} file", field=field
            )
        return shps[0]
    others = sorted(
        p for p in folder.rglob("*") if p.suffix.lower() in {".gpkg", ".geojson", ".fgb", ".kml"}
    )
    if not others:
        raise UnsupportedFormat(
            "the archive holds no shapefile (.shp with .shx and .dbf) or other vector file",
            field=field,
        )
    return others[0]


def open_source(dataset: Path, crs: int | None = None, field: str = "file") -> VectorSource:
    """Inspect a dataset: layers with geometry, feature count and its EPSG code."""
    fmt = format_of(dataset, field)
    encoding = shapefile_encoding(dataset)
    try:
        layers = [str(name) for name, gtype in pyogrio.list_layers(dataset) if gtype]
        if not layers and fmt.key == "csv":
            layers = [str(pyogrio.list_layers(dataset)[0][0])]
        opts = _options(fmt, encoding)
        pairs = [(ly, pyogrio.read_info(dataset, layer=ly, **opts)) for ly in layers]
    except pyogrio.errors.DataSourceError as exc:
        raise InvalidInput(f"cannot read the {fmt.name_en} file: {exc}", field=field) from None
    pairs = [(ly, i) for ly, i in pairs if i.get("geometry_type")]
    infos = [i for _, i in pairs]
    if not infos:
        raise InvalidInput(f"the {fmt.name_en} file has no geometry layer", field=field)
    srid = _srid_of(infos[0].get("crs"), crs, field)
    return VectorSource(
        dataset,
        fmt,
        [ly for ly, _ in pairs],
        srid,
        sum(max(int(i["features"]), 0) for i in infos),
        [str(f) for f in infos[0]["fields"]],
        encoding,
    )


def _options(fmt: VectorFormat, encoding: str | None = None) -> dict[str, str]:
    options = dict(CSV_OPTIONS) if fmt.key == "csv" else {}
    if encoding:
        options["encoding"] = encoding
    return options


def shapefile_encoding(shp: Path) -> str | None:
    """GB18030 for a shapefile without a .cpg file or code page whose text is not UTF-8.

    Chinese desktop GIS software often writes GBK attributes and no .cpg; GDAL would
    read them as Latin-1. A declared encoding (.cpg or the DBF language byte) is kept.
    """
    if shp.suffix.lower() != ".shp":
        return None
    if any(shp.with_suffix(s).exists() for s in (".cpg", ".CPG")):
        return None
    dbf = next((shp.with_suffix(s) for s in (".dbf", ".DBF") if shp.with_suffix(s).exists()), None)
    if dbf is None:
        return None
    head = dbf.open("rb").read(1 << 16)
    if len(head) > 29 and head[29] != 0:
        return None  # the DBF declares its code page
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            return "GB18030"
    return None


def _srid_of(file_crs: str | None, given: int | None, field: str) -> int:
    if file_crs:
        found = parse_crs(file_crs, field="crs")
        if found is None:  # pragma: no cover - parse_crs raises instead
            raise InvalidInput("the file's CRS has no EPSG code", field="crs")
        if given is not None and given != found and {given, found} != {4326, 4490}:
            raise InvalidInput(
                f"the file declares EPSG:{found}, which contradicts the given EPSG:{given}",
                field="crs",
            )
        return found
    if given is None:
        raise InvalidInput(
            "the file declares no coordinate reference system: give one (e.g. --crs EPSG:4547)",
            field="crs",
        )
    return given


def dxf_is_utf8(path: Path) -> bool:
    """DXF R2007 and later (AC1021+) are UTF-8 whatever $DWGCODEPAGE says."""
    head = path.open("rb").read(4096).decode("latin-1")
    match = re.search(r"\$ACADVER\s*\n\s*1\s*\n\s*AC(\d{4})", head)
    return match is not None and int(match.group(1)) >= 1021


@dataclass
class Batch:
    """One chunk of features: attributes as Arrow, geometries as shapely in EPSG:4490, and the
    file's own WKB when no reprojection changed it (a writer may pass it on unparsed)."""

    attributes: pa.RecordBatch
    geoms: np.ndarray
    wkb: np.ndarray | None

    def __len__(self) -> int:
        return len(self.geoms)


def iter_batches(source: VectorSource, chunk: int = 50_000) -> Iterator[Batch]:
    """The features of every layer in Arrow chunks, in EPSG:4490; coordinates outside the CRS
    refused."""
    opts = _options(source.fmt, source.encoding)
    if source.fmt.key == "dxf":
        pyogrio.set_gdal_config_options(
            {"DXF_ENCODING": "UTF-8" if dxf_is_utf8(source.path) else None}
        )
    unchanged = source.srid in (STORAGE_SRID, 4326)
    for layer in source.layers:
        with open_arrow(source.path, layer=layer, batch_size=chunk, use_pyarrow=True, **opts) as (
            meta,
            reader,
        ):
            geom_name = _geometry_column(reader.schema)
            for batch in reader:
                if geom_name is None:
                    wkb, geoms = None, np.full(batch.num_rows, None, dtype=object)
                else:
                    wkb = batch.column(geom_name).to_numpy(zero_copy_only=False)
                    batch = batch.drop_columns([geom_name])
                    geoms = to_storage(np.asarray(shapely.from_wkb(wkb), dtype=object), source.srid)
                yield Batch(batch, geoms, wkb if unchanged else None)


def iter_frames(source: VectorSource, chunk: int = 50_000) -> Iterator[gpd.GeoDataFrame]:
    """The features of every layer in chunks of GeoDataFrames, in EPSG:4490."""
    for batch in iter_batches(source, chunk):
        yield gpd.GeoDataFrame(batch.attributes.to_pandas(), geometry=batch.geoms, crs=STORAGE_SRID)


def _geometry_column(schema: object) -> str | None:
    """The Arrow column holding WKB geometry (its name varies by driver)."""
    for fld in schema:  # type: ignore[attr-defined]
        meta = fld.metadata or {}
        if meta.get(b"ARROW:extension:name") == b"geoarrow.wkb":
            return str(fld.name)
    return None


def to_storage(geoms: np.ndarray, srid: int) -> np.ndarray:
    """Reproject an array of shapely geometries from ``srid`` to EPSG:4490, checking the range."""
    check_range(geoms, srid)
    return reproject(geoms, srid, STORAGE_SRID)


def check_range(geoms: np.ndarray, srid: int, field: str = "geometry") -> None:
    """Refuse coordinates that lie outside the area of use of the CRS they are declared in."""
    present = geoms[~shapely.is_missing(geoms)]
    if len(present) == 0:
        return
    xmin, ymin, xmax, ymax = shapely.total_bounds(present)
    crs = CRS.from_epsg(srid)
    area = crs.area_of_use
    if area is None or not np.all(np.isfinite([xmin, ymin, xmax, ymax])):
        raise InvalidInput(f"coordinates are not finite numbers in EPSG:{srid}", field=field)
    west, south, east, north = (
        area.west - RANGE_MARGIN_DEG,
        area.south - RANGE_MARGIN_DEG,
        area.east + RANGE_MARGIN_DEG,
        area.north + RANGE_MARGIN_DEG,
    )
    if crs.is_geographic:
        lon = (xmin, xmax)
        lat = (ymin, ymax)
    else:
        tr = transformer(srid, 4326)
        xs, ys = tr.transform([xmin, xmin, xmax, xmax], [ymin, ymax, ymin, ymax])
        lon, lat = (min(xs), max(xs)), (min(ys), max(ys))
    inside = west <= lon[0] and lon[1] <= east and south <= lat[0] and lat[1] <= north
    if not inside or not np.all(np.isfinite(lon + lat)):
        raise InvalidInput(
            f"coordinates ({xmin:.6g}, {ymin:.6g}) - ({xmax:.6g}, {ymax:.6g}) lie outside the "
            f"range of EPSG:{srid} ({crs.name}); check the CRS and the axis order",
            field=field,
        )
