"""gis.exchange: reading and writing vector files, CRS rules, safe archives (no database)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from gis.errors import InvalidInput, PayloadTooLarge, UnsupportedFormat
from gis.exchange.archive import check_zip, extract_zip, save_stream
from gis.exchange.formats import format_of, writable_format
from gis.exchange.read import iter_frames, locate_dataset, open_source, parse_crs
from gis.exchange.write import write_frames

SQUARE = shapely.box(113.75, 23.0, 113.751, 23.001)


def frame(n: int = 3) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"名称": [f"宗地{i}" for i in range(n)], "地类": ["0701"] * n},
        geometry=[shapely.affinity.translate(SQUARE, 0.002 * i) for i in range(n)],
        crs=4490,
    )


FORMATS = ("gpkg", "shp", "geojson", "fgb", "csv", "dxf")


@pytest.mark.parametrize(("fmt", "srid"), [(f, s) for f in FORMATS for s in (4490, 4547)])
def test_round_trip_keeps_geometry_and_chinese_text(tmp_path: Path, fmt: str, srid: int) -> None:
    spec = writable_format(fmt)
    dest = tmp_path / f"out{spec.suffix}"
    assert write_frames([frame(2), frame(3)], fmt, dest, srid, dxf_label="名称") == 5
    dataset = locate_dataset(dest, tmp_path / "x", 10**8)
    source = open_source(dataset, crs=srid if fmt == "dxf" else None)
    assert source.srid == srid
    chunks = list(iter_frames(source, chunk=2))
    assert [len(c) for c in chunks] == [2, 2, 1]
    back = gpd.GeoDataFrame(gpd.pd.concat(chunks, ignore_index=True), crs=4490)
    label = "Layer" if fmt == "dxf" else "名称"
    assert sorted(back[label]) == ["宗地0", "宗地0", "宗地1", "宗地1", "宗地2"]  # FGB reorders
    first = back.geometry[back[label] == "宗地0"].iloc[0]
    assert (
        shapely.hausdorff_distance(first.boundary if first.area else first, SQUARE.boundary) < 1e-7
    )


def test_kml_is_read_as_wgs84(tmp_path: Path) -> None:
    dest = tmp_path / "a.kml"
    frame(2).to_crs(4326).to_file(dest, driver="KML")
    source = open_source(dest)
    assert source.srid == 4326
    assert sum(len(c) for c in iter_frames(source)) == 2


def test_csv_with_wkt_needs_a_crs(tmp_path: Path) -> None:
    dest = tmp_path / "a.csv"
    dest.write_text('WKT,名称\n"POINT (475000 2545000)",界址点\n', encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        open_source(dest)
    assert (
        err.value.field == "crs" and "declares no coordinate reference system" in err.value.detail
    )
    source = open_source(dest, crs=4547)
    (chunk,) = list(iter_frames(source))
    assert chunk["名称"].tolist() == ["界址点"]
    assert 113.7 < chunk.geometry.iloc[0].x < 113.8


def test_given_crs_contradicting_the_file_is_refused(tmp_path: Path) -> None:
    dest = tmp_path / "a.gpkg"
    frame().to_file(dest)
    with pytest.raises(InvalidInput) as err:
        open_source(dest, crs=4547)
    assert err.value.field == "crs"


def test_coordinates_outside_the_crs_are_refused(tmp_path: Path) -> None:
    dest = tmp_path / "a.gpkg"
    gpd.GeoDataFrame(geometry=[shapely.Point(113.75, 23.0)], crs=4547).to_file(dest)
    with pytest.raises(InvalidInput) as err:
        list(iter_frames(open_source(dest)))
    assert "outside the range of EPSG:4547" in err.value.detail


def test_parse_crs() -> None:
    assert parse_crs("EPSG:4547") == 4547
    assert parse_crs("4490") == 4490
    assert parse_crs(None) is None
    with pytest.raises(InvalidInput) as err:
        parse_crs("EPSG:99999999")
    assert err.value.field == "crs"


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_zip_bomb_is_refused_before_extraction(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    path.write_bytes(_zip({"a.shp": b"\0" * (20 << 20)}))
    assert path.stat().st_size < 100_000
    with pytest.raises(PayloadTooLarge, match="zip bomb"):
        extract_zip(path, tmp_path / "out", 10**9)
    assert not (tmp_path / "out").exists()


def test_zip_over_the_limit_and_unsafe_names(tmp_path: Path) -> None:
    path = tmp_path / "big.zip"
    path.write_bytes(_zip({"a.bin": b"x" * 5000}, zipfile.ZIP_STORED))
    with pytest.raises(PayloadTooLarge, match="would expand"):
        check_zip(path, 4096)
    evil = tmp_path / "evil.zip"
    evil.write_bytes(_zip({"../../etc/x.shp": b"x"}))
    with pytest.raises(InvalidInput, match="unsafe member"):
        check_zip(evil, 10**6)
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(InvalidInput, match="not a readable zip"):
        check_zip(junk, 10**6)


def test_zip_without_a_shapefile(tmp_path: Path) -> None:
    path = tmp_path / "x.zip"
    path.write_bytes(_zip({"readme.txt": b"hi", "a.shp": b"x"}))
    with pytest.raises(InvalidInput, match="lacks its .shx and .dbf"):
        locate_dataset(path, tmp_path / "w", 10**6)
    path.write_bytes(_zip({"readme.txt": b"hi"}))
    with pytest.raises(UnsupportedFormat, match="no shapefile"):
        locate_dataset(path, tmp_path / "w2", 10**6)


def test_save_stream_limits_and_empty(tmp_path: Path) -> None:
    with pytest.raises(PayloadTooLarge):
        save_stream(io.BytesIO(b"x" * 3000), tmp_path / "a", 2048)
    assert not (tmp_path / "a").exists()
    with pytest.raises(InvalidInput, match="empty"):
        save_stream(io.BytesIO(b""), tmp_path / "b", 2048)
    assert save_stream(io.BytesIO(b"abc"), tmp_path / "c", 2048) == 3


def test_unknown_formats() -> None:
    with pytest.raises(UnsupportedFormat):
        format_of("a.xlsx")
    with pytest.raises(UnsupportedFormat) as err:
        writable_format("kml")
    assert err.value.field == "format"


def test_folder_shapefile(tmp_path: Path) -> None:
    folder = tmp_path / "shp"
    folder.mkdir()
    frame().to_file(folder / "宗地.shp", encoding="UTF-8")
    dataset = locate_dataset(folder, tmp_path / "w", 10**6)
    assert dataset.name == "宗地.shp"
    assert open_source(dataset).count == 3


def test_gbk_shapefile_without_cpg_reads_chinese(tmp_path: Path) -> None:
    shp = tmp_path / "gbk.shp"
    pyogrio.write_dataframe(frame(2), shp, encoding="GBK")
    shp.with_suffix(".cpg").unlink()  # as Chinese desktop software often leaves it
    source = open_source(shp)
    assert source.encoding == "GB18030"
    (chunk,) = list(iter_frames(source))
    assert chunk["名称"].tolist() == ["宗地0", "宗地1"]
