"""GDAL reads the parcel vector tiles through its OGC API driver (``OGCAPI:`` with tiles).

Two facts about GDAL decide how, both found by reading its source and tracker:
- Debian's GDAL 3.6.2 (``ogrinfo``) is built without the driver's vector-tiles code: its
  CMake set ``OGR_ENABLE_DRIVER_GML`` only after the OGCAPI driver was configured (GDAL
  PR #7993, fixed in 3.7.1), so that ``ogrinfo OGCAPI:...`` fails on any server's vector
  tiles. The test uses the GDAL that pyogrio's wheel carries (3.12 here), a real GDAL
  built by others, through pyogrio.
- GDAL's vector-tile reader takes the collection's extent (CRS84, as OGC API Features
  requires) as if it were in the tile matrix set's CRS (metres for WebMercatorQuad), so a
  client passes the area it wants in EPSG:3857 (open options MINX..MAXY), as a QGIS user
  does by zooming. Without them it asks for tile 10/511/512 off Africa and gets nothing.
"""

from __future__ import annotations

import subprocess

import httpx
import pyogrio
from pyproj import Transformer

TO_MERCATOR = Transformer.from_crs(4326, 3857, always_xy=True)


def _centre_box_3857(live_server: str, d: float = 0.002) -> dict[str, float]:
    ext = httpx.get(f"{live_server}/ogc/collections/parcels").json()["extent"]["spatial"]["bbox"][0]
    cx, cy = (ext[0] + ext[2]) / 2, (ext[1] + ext[3]) / 2
    x0, y0 = TO_MERCATOR.transform(cx - d, cy - d)
    x1, y1 = TO_MERCATOR.transform(cx + d, cy + d)
    return {"MINX": x0, "MINY": y0, "MAXX": x1, "MAXY": y1}


def test_gdal_lists_one_layer_per_zoom_from_the_city_view(live_server: str) -> None:
    layers = {
        name for name, _ in pyogrio.list_layers(f"OGCAPI:{live_server}/ogc/collections/parcels")
    }
    assert {"Zoom level 10", "Zoom level 12", "Zoom level 14"} <= layers


def test_gdal_reads_parcel_tiles_that_match_the_register(live_server: str) -> None:
    box = _centre_box_3857(live_server)
    source = f"OGCAPI:{live_server}/ogc/collections/parcels"
    detailed = pyogrio.read_dataframe(source, layer="Zoom level 14", **box)
    assert len(detailed) > 50
    assert {"unit_code", "land_use", "area_m2"} <= set(detailed.columns)
    assert str(detailed.crs) == "EPSG:3857"
    # every parcel GDAL decoded is a parcel the register serves as a feature
    codes = set(detailed["unit_code"])
    sample = sorted(codes)[:20]
    for code in sample:
        found = httpx.get(
            f"{live_server}/ogc/collections/parcels/items",
            params={"filter": f"unit_code = '{code}'", "limit": 2},
        ).json()
        assert found["numberReturned"] == 1, code
    # the city view (z10) holds the generalised layer: blocks counted, not parcels drawn
    city = pyogrio.read_dataframe(source, layer="Zoom level 10", **box)
    assert len(city) > 0 and "parcels" in city.columns
    assert "unit_code" not in city.columns
    assert int(city["parcels"].sum()) >= len(codes) // 4


def test_system_gdal_reads_vector_tiles_only_from_371(live_server: str) -> None:
    """Why the test above does not call ``ogrinfo``: Debian's GDAL before 3.7.1 cannot
    read any server's vector tiles. A newer system GDAL must read ours."""
    out = subprocess.run(
        [
            "ogrinfo",
            "-ro",
            "-so",
            "-oo",
            "API=TILES",
            f"OGCAPI:{live_server}/ogc/collections/parcels",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    version = subprocess.run(["ogrinfo", "--version"], capture_output=True, text=True).stdout
    number = tuple(int(part) for part in version.split()[1].rstrip(",").split(".")[:3])
    if number < (3, 7, 1):
        assert out.returncode != 0
    else:
        assert out.returncode == 0 and "Zoom level 14" in out.stdout, out.stderr
