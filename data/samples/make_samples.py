"""Make the small sample survey and parcel files with real libraries (gpxpy, pynmea2, pyogrio).

Run: .venv/bin/python data/samples/make_samples.py  (writes next to this script)
"""

from __future__ import annotations

import csv
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import geopandas as gpd
import gpxpy.gpx
import pynmea2
import shapely
from pyproj import Transformer

HERE = Path(__file__).parent
E0, N0 = 475_000.0, 2_545_000.0  # EPSG:4547 metres, near 113.75 E, 23.0 N
SQUARE = [(E0, N0), (E0 + 30, N0), (E0 + 30, N0 + 20), (E0, N0 + 20)]
TO_LONLAT = Transformer.from_crs(4547, 4490, always_xy=True)


def lonlat(e: float, n: float) -> tuple[float, float]:
    x, y = TO_LONLAT.transform(e, n)
    return float(x), float(y)


def boundary_csv() -> None:
    """界址点成果表 with Chinese headers, X = northing, Y = easting (EPSG:4547)."""
    with (HERE / "boundary_points_4547.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["点号", "X", "Y", "精度", "解状态"])
        for i, (e, n) in enumerate(SQUARE, start=1):
            w.writerow([f"J{i}", f"{n:.3f}", f"{e:.3f}", "0.03" if i != 3 else "0.08", "固定解"])
    with (HERE / "boundary_points_lonlat.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["point", "lon", "lat", "precision", "class"])
        for i, (e, n) in enumerate(SQUARE, start=1):
            lon, lat = lonlat(e, n)
            w.writerow([f"J{i}", f"{lon:.9f}", f"{lat:.9f}", "0.04", "1"])


def gpx_file() -> None:
    doc = gpxpy.gpx.GPX()
    doc.creator = "landgis sample"
    start = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    for i, (e, n) in enumerate(SQUARE, start=1):
        lon, lat = lonlat(e, n)
        doc.waypoints.append(
            gpxpy.gpx.GPXWaypoint(lat, lon, elevation=12.5, name=f"J{i}", time=start)
        )
    track = gpxpy.gpx.GPXTrack(name="巡查轨迹")
    seg = gpxpy.gpx.GPXTrackSegment()
    for i in range(10):
        lon, lat = lonlat(E0 + 3 * i, N0 - 5)
        seg.points.append(
            gpxpy.gpx.GPXTrackPoint(lat, lon, elevation=10 + i, time=start + timedelta(seconds=i))
        )
    track.segments.append(seg)
    doc.tracks.append(track)
    (HERE / "survey.gpx").write_text(doc.to_xml(), encoding="utf-8")


def nmea_file() -> None:
    lines = []
    for i in range(5):
        lon, lat = lonlat(E0 + i, N0)
        t = f"0200{i:02d}.00"
        lat_s = f"{int(lat):02d}{(lat % 1) * 60:08.5f}"
        lon_s = f"{int(lon):03d}{(lon % 1) * 60:08.5f}"
        q = "4" if i < 4 else "5"
        lines.append(
            str(
                pynmea2.RMC(
                    "GP", "RMC", (t, "A", lat_s, "N", lon_s, "E", "0.0", "0.0", "201126", "", "")
                )
            )
        )
        lines.append(
            str(
                pynmea2.GGA(
                    "GP",
                    "GGA",
                    (
                        t,
                        lat_s,
                        "N",
                        lon_s,
                        "E",
                        q,
                        "14",
                        "0.8",
                        "12.3",
                        "M",
                        "-5.0",
                        "M",
                        "1.0",
                        "0000",
                    ),
                )
            )
        )
        lines.append(
            str(
                pynmea2.GSA(
                    "GP",
                    "GSA",
                    (
                        "A",
                        "3",
                        "01",
                        "02",
                        "03",
                        "04",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "1.5",
                        "0.8",
                        "1.2",
                    ),
                )
            )
        )
        lines.append(
            str(pynmea2.GST("GP", "GST", (t, "0.5", "0.02", "0.01", "30", "0.02", "0.02", "0.03")))
        )
    lines.append(lines[1][:-2] + "00")  # a bad checksum, to show it is counted
    (HERE / "rtk_log.nmea").write_text("\r\n".join(lines) + "\r\n", encoding="ascii")


def vector_files() -> None:
    poly = shapely.Polygon([lonlat(e, n) for e, n in SQUARE])
    frame = gpd.GeoDataFrame({"名称": ["实测宗地"]}, geometry=[poly], crs=4490)
    frame.to_file(HERE / "boundary.geojson", driver="GeoJSON")
    pts = gpd.GeoDataFrame(
        {"点号": [f"J{i}" for i in range(1, 5)], "精度": [0.03] * 4},
        geometry=[shapely.Point(e, n) for e, n in SQUARE],
        crs=4547,
    )
    shp = HERE / "boundary_points.shp"
    pts.to_file(shp, driver="ESRI Shapefile", encoding="UTF-8")
    with zipfile.ZipFile(HERE / "boundary_points_shp.zip", "w") as zf:
        for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            zf.write(shp.with_suffix(suffix), arcname=shp.with_suffix(suffix).name)
            shp.with_suffix(suffix).unlink()


if __name__ == "__main__":
    boundary_csv()
    gpx_file()
    nmea_file()
    vector_files()
