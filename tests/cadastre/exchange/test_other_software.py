"""Parcel files made by other software: GDAL's own ogr2ogr writes each format the bulk
import reads, with the field names a Chinese cadastral system uses (BDCDYH, DLBM, or the
Chinese names), a GBK shapefile, a file in EPSG:4547 and a CSV without a CRS; each goes
in through the API as a registrar would upload it, and lands where it was."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import text

from cadastre.exchange.exporter import export_parcels
from gis import landuse
from gis.cluster import gdal_source
from gis.settings import Settings
from tests.cadastre.exchange.conftest import current_count, retire
from tests.cadastre.exchange.test_import_export import post_import

SHORT = "unit_code AS bdcdyh, land_use AS dlbm, block_code AS jfh, '东城街道' AS zl"
CHINESE = 'unit_code AS "不动产单元代码", land_use AS "地类编码", block_code AS "街坊号"'


def ogr2ogr(settings: Settings, dest: Path, subzone: str, columns: str, *options: str) -> None:
    sql = (
        f"SELECT {columns}, geom FROM parcel WHERE subzone_code = '{subzone}' "
        "AND end_lifespan IS NULL ORDER BY id"
    )
    subprocess.run(
        ["ogr2ogr", *options, str(dest), gdal_source(settings), "-sql", sql, "-nln", "parcels"],
        check=True,
        capture_output=True,
    )


CASES = [
    ("parcels.gpkg", CHINESE, ["-f", "GPKG"], {}),
    ("parcels_4547.gpkg", SHORT, ["-f", "GPKG", "-t_srs", "EPSG:4547"], {}),
    ("parcels_gbk.zip", SHORT, ["-f", "ESRI Shapefile", "-lco", "ENCODING=GBK"], {}),
    ("parcels.geojson", CHINESE, ["-f", "GeoJSON"], {}),
    ("parcels.fgb", SHORT, ["-f", "FlatGeobuf"], {}),
    ("parcels.csv", CHINESE, ["-f", "CSV", "-lco", "GEOMETRY=AS_WKT"], {"crs": "EPSG:4490"}),
]


@pytest.mark.parametrize(("name", "columns", "options", "form"), CASES)
def test_files_written_by_ogr2ogr_import(
    inline_client, auth, db, settings, subzone, tmp_path, name, columns, options, form
) -> None:
    dest = tmp_path / name
    if name.endswith(".zip"):  # a shapefile folder, zipped as users send it
        folder = tmp_path / "shp"
        ogr2ogr(settings, folder, subzone, columns, *options)
        with zipfile.ZipFile(dest, "w") as zf:
            for part in folder.iterdir():
                zf.write(part, part.name)
        assert (folder / "parcels.cpg").read_text().strip().upper() in {"GBK", "CP936", "936"}
    else:
        ogr2ogr(settings, dest, subzone, columns, *options)
    n = retire(db, subzone)
    job = post_import(inline_client, auth, dest, **form).json()
    assert job["status"] == "done", job
    assert job["result"]["imported"] == n and job["result"]["rejected"] == 0
    moved = db.execute(
        text(
            "SELECT count(*), max(abs(ST_Area(ST_Transform(n.geom, 4547)) "
            "- ST_Area(ST_Transform(o.geom, 4547)))), bool_and(n.block_code = o.block_code), "
            "bool_and(n.land_use = o.land_use) FROM parcel n JOIN parcel o "
            "ON o.unit_code = n.unit_code AND o.end_lifespan IS NOT NULL "
            "WHERE n.subzone_code = :s AND n.end_lifespan IS NULL"
        ),
        {"s": subzone},
    ).one()
    assert moved[0] == n and moved[1] < 0.01 and moved[2] and moved[3]


def test_a_csv_from_ogr2ogr_without_crs_is_refused(
    inline_client, auth, db, settings, subzone, tmp_path
) -> None:
    dest = tmp_path / "nocrs.csv"
    ogr2ogr(settings, dest, subzone, SHORT, "-f", "CSV", "-lco", "GEOMETRY=AS_WKT")
    before = current_count(db)
    job = post_import(inline_client, auth, dest).json()
    assert job["status"] == "failed" and job["error"]["field"] == "crs"
    assert "declares no coordinate reference system" in job["error"]["detail"]
    assert current_count(db) == before


@pytest.mark.parametrize(
    ("fmt", "suffix"),
    [("gpkg", ".gpkg"), ("shp", ".zip"), ("geojson", ".geojson"), ("fgb", ".fgb"), ("csv", ".csv")],
)
def test_exports_read_by_ogrinfo(db, subzone, tmp_path, fmt, suffix) -> None:
    """ogrinfo (GDAL's command-line reader) sees every parcel and the Chinese land-use names."""
    dest = tmp_path / f"out{suffix}"
    count = export_parcels(db, fmt, dest, zone=subzone)
    source = f"/vsizip/{dest}" if fmt == "shp" else str(dest)
    info = subprocess.run(
        ["ogrinfo", "-ro", "-al", source], check=True, capture_output=True, text=True
    ).stdout
    assert f"Feature Count: {count}" in info
    use = db.execute(
        text("SELECT land_use FROM parcel WHERE subzone_code = :s AND end_lifespan IS NULL"),
        {"s": subzone},
    ).first()[0]
    assert landuse.names(use)[0] in info  # e.g. 城镇住宅用地, decoded as UTF-8
