"""The QGIS project (``.qgs``) beside a package's GeoPackage: its layers point into the
GeoPackage by relative path, with styles, forms (land-use value map in Chinese, photo
fields as attachments for QField's camera), required fields and read-only columns."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyproj

from gis import landuse
from gis.raster.models import FIELD_STATUSES
from gis.web.templating import render_template

TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class Field:
    name: str
    alias: str
    editable: bool = False
    required: bool = False
    photo: bool = False
    binary: bool = False  # a photo kept inside the GeoPackage (BLOB)
    value_map: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Layer:
    id: str
    name: str
    source: str
    type: str = "vector"
    provider: str = "ogr"
    geometry: str = ""
    wkb: str = ""
    symbol: str = "fill"
    fill: str = "255,220,160,90"
    outline: str = "80,80,80,255"
    read_only: bool = False
    fields: list[Field] = field(default_factory=list)

    @property
    def qgis_id(self) -> str:
        """The layer's id in the project: QGIS keeps only ids longer than 10 characters
        (a shorter one is replaced on reading, and the layer tree loses the layer)."""
        return f"landgis_{self.id}"


def land_use_map() -> list[tuple[str, str]]:
    """GB/T 21010 classes as ValueMap entries: label "0101 水田", stored value "0101"."""
    codes = {**landuse.FIRST_LEVEL, **landuse.SECOND_LEVEL}
    return [(f"{c} {zh}", c) for c, (zh, _en) in sorted(codes.items())]


def layers(gpkg_name: str, parcels_editable: bool = True) -> list[Layer]:
    """The project's layers, top first, each pointing into ``gpkg_name`` (relative);
    parcels and boundary points are read only unless ``parcels_editable`` (a surveyor)."""
    out = _layers(gpkg_name)
    for layer in out:
        if layer.id in ("parcels", "boundary_points") and not parcels_editable:
            layer.read_only = True
            for f in layer.fields:
                f.editable = False
    return out


def _layers(gpkg_name: str) -> list[Layer]:
    src = f"./{gpkg_name}|layername="
    status = [(f"{zh} {k}", k) for k, (zh, _en) in FIELD_STATUSES.items()]
    version = Field("_row_version", "版本 row version")
    return [
        Layer(
            "observations",
            "现场观测 observations",
            src + "observations",
            geometry="Point",
            wkb="Point",
            symbol="marker",
            fill="0,120,255,255",
            fields=[
                Field("patch_id", "图斑 patch", editable=True),
                Field("unit_code", "宗地 unit", editable=True),
                Field("note", "说明 note", editable=True, required=True),
                Field("photo", "照片 photo", editable=True, photo=True),
                Field("photo_data", "照片（内嵌）photo (embedded)", editable=True, binary=True),
                Field("taken_at", "时间 taken at", editable=True),
            ],
        ),
        Layer(
            "boundary_points",
            "界址点 boundary points",
            src + "boundary_points",
            geometry="Point",
            wkb="Point",
            symbol="marker",
            fill="200,0,0,255",
            fields=[
                Field("point_key", "键 key"),
                Field("unit_code", "宗地 unit"),
                Field("point_no", "点号 point"),
                Field("part", "部分 part"),
                Field("seq", "序号 seq"),
                Field("accuracy_class", "精度等级 accuracy class", editable=True),
                Field("precision_m", "点位中误差 precision m", editable=True),
                version,
            ],
        ),
        Layer(
            "change_patches",
            "变化图斑 change patches",
            src + "change_patches",
            geometry="Polygon",
            wkb="MultiPolygon",
            fill="255,0,0,60",
            outline="220,0,0,255",
            fields=[
                Field("patch_id", "图斑 patch"),
                Field("verdict", "研判 verdict"),
                Field("status", "核查状态 status", editable=True, required=True, value_map=status),
                Field("note", "核查说明 note", editable=True),
                Field("photo", "照片 photo", editable=True, photo=True),
                Field("imagery_date", "影像日期 imagery date"),
                version,
            ],
        ),
        Layer(
            "parcels",
            "宗地 parcels",
            src + "parcels",
            geometry="Polygon",
            wkb="MultiPolygon",
            fields=[
                Field("unit_code", "不动产单元号 unit code"),
                Field(
                    "land_use",
                    "地类 land use",
                    editable=True,
                    required=True,
                    value_map=land_use_map(),
                ),
                Field("land_use_zh", "地类名称 land-use name"),
                Field("reg_status", "登记状态 status"),
                Field("area_m2", "面积 m²"),
                version,
            ],
        ),
        Layer(
            "plan_zones",
            "规划分区 plan zones",
            src + "plan_zones",
            geometry="Polygon",
            wkb="MultiPolygon",
            fill="0,0,0,0",
            outline="0,90,200,255",
            read_only=True,
            fields=[
                Field("zone_id", "分区 zone"),
                Field("layer", "图层 layer"),
                Field("code", "代码 code"),
                Field("name", "名称 name"),
            ],
        ),
        Layer(
            "basemap",
            "底图 basemap",
            f"GPKG:./{gpkg_name}:basemap",
            type="raster",
            provider="gdal",
            read_only=True,
        ),
    ]


def write_project(dest: Path, gpkg_name: str, title: str, parcels_editable: bool = True) -> None:
    """Write the ``.qgs`` XML (UTF-8) for the GeoPackage ``gpkg_name`` in the same folder."""
    xml = render_template(
        "field_project.qgs",
        TEMPLATES,
        title=title,
        layers=layers(gpkg_name, parcels_editable),
        crs_wkt=pyproj.CRS.from_epsg(4490).to_wkt(),
    )
    dest.write_text(xml, encoding="utf-8")
