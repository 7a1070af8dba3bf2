"""The package's QGIS project opened by a real QGIS (3.22, Debian python3-qgis, offscreen):
every layer valid and in the layer tree, feature counts as in the GeoPackage, the
land-use value map in Chinese and required fields in the forms, the basemap raster
loaded; then QGIS itself edits the GeoPackage (an attribute, a vertex, a new point) and
the edited package is checked in: the closest to QField (built on QGIS) we get here."""

from __future__ import annotations

from pathlib import Path

import pyogrio
import shapely
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from gis.raster.models import FIELD_STATUSES
from tests.cadastre.field.conftest import (
    Headers,
    checkout,
    findings,
    register_state,
    some_codes,
    upload,
)
from tests.cadastre.field.qgis_desktop import open_project
from tests.cadastre.field.test_sync import parcel

TABLES = ("parcels", "boundary_points", "plan_zones", "change_patches", "observations")


def _by_table(project: dict, gpkg: Path) -> dict[str, dict]:
    """QGIS's layers keyed by the GeoPackage table (or "basemap") they read."""
    out = {}
    for layer in project["layers"].values():
        source = layer["source"]
        assert source.split("|")[0].removeprefix("GPKG:").rsplit(":basemap")[0] == str(gpkg)
        out[source.split("layername=")[-1] if "|" in source else "basemap"] = layer
    return out


def test_qgis_opens_the_project_with_valid_layers_forms_and_basemap(
    field_client: TestClient, db: Session, auth: Headers, tmp_path: Path
) -> None:
    codes = some_codes(db, 3)
    result, gpkg = checkout(field_client, auth("surveyor"), tmp_path, unit_codes=codes)
    project = open_project(gpkg.parent / Path(result["qgs"]).name)
    assert project["read"] is True and project["crs"] == "EPSG:4490"
    assert project["messages"] == []  # no warning logged while reading
    assert len(project["tree"]) == 6 and all(found for _id, found in project["tree"])
    layers = _by_table(project, gpkg)
    assert set(layers) == {*TABLES, "basemap"}
    assert all(layer["valid"] for layer in layers.values()), layers
    for table in TABLES:
        info = pyogrio.read_info(gpkg, layer=table)
        assert layers[table]["count"] == info["features"], table
        assert layers[table]["crs"] == "EPSG:4490"
        assert set(info["fields"]) <= set(layers[table]["fields"])  # forms for every column
    assert layers["parcels"]["count"] == len(codes)

    land_use = layers["parcels"]["fields"]["land_use"]
    assert land_use["widget"] == "ValueMap" and land_use["editable"]
    value_map = {k: v for entry in land_use["config"]["map"] for k, v in entry.items()}
    assert value_map["0101 水田"] == "0101" and value_map["0702 农村宅基地"] == "0702"
    assert land_use["not_null"] and land_use["not_null_strength"] == 1  # hard: QField insists
    assert layers["parcels"]["fields"]["unit_code"]["editable"] is False
    assert layers["parcels"]["fields"]["land_use"]["alias"] == "地类 land use"
    status = layers["change_patches"]["fields"]["status"]  # columns even with no patches
    assert status["widget"] == "ValueMap" and status["not_null"]
    assert {v for e in status["config"]["map"] for v in e.values()} == set(FIELD_STATUSES)
    photo = layers["observations"]["fields"]["photo"]
    assert photo["widget"] == "ExternalResource"
    assert photo["config"]["RelativeStorage"] == 1 and photo["config"]["DefaultRoot"] == "DCIM"
    assert layers["observations"]["fields"]["note"]["not_null"]
    assert layers["observations"]["fields"]["photo_data"]["widget"] == "Binary"  # a BLOB photo
    assert layers["plan_zones"]["read_only"] is True
    assert layers["boundary_points"]["colour"] == "#c80000"  # the project's style, not a default

    basemap = layers["basemap"]
    assert basemap["kind"] == "raster" and basemap["provider"] == "gdal"
    assert basemap["width"] >= 16 and basemap["bands"] in (3, 4)


def test_an_inspector_project_keeps_parcels_read_only_in_qgis(
    field_client: TestClient, db: Session, auth: Headers, tmp_path: Path
) -> None:
    result, gpkg = checkout(field_client, auth("inspector"), tmp_path, unit_codes=some_codes(db, 1))
    layers = _by_table(open_project(gpkg.parent / Path(result["qgs"]).name), gpkg)
    assert layers["parcels"]["read_only"] and layers["boundary_points"]["read_only"]
    assert not layers["parcels"]["fields"]["land_use"]["editable"]


def test_a_package_edited_by_qgis_is_checked_in(
    field_client: TestClient, db: Session, auth: Headers, tmp_path: Path
) -> None:
    before = findings(db)
    (r1,) = some_codes(db, 1)
    (u1,) = some_codes(db, 1, "unregistered")
    surveyor = auth("surveyor")
    result, gpkg = checkout(field_client, surveyor, tmp_path, unit_codes=[r1, u1])
    old = {c: parcel(db, c) for c in (r1, u1)}
    new_use = "0702" if old[r1].land_use != "0702" else "0701"
    ring = shapely.from_wkt(old[u1].wkt).geoms[0].exterior.coords
    centre = shapely.from_wkt(old[u1].wkt).centroid
    (x, y), at = ring[1], 1
    moved = (x + (centre.x - x) * 0.15, y + (centre.y - y) * 0.15)
    project = open_project(gpkg.parent / Path(result["qgs"]).name, [
        {"layer": "parcels", "where": f"unit_code = '{r1}'", "values": {"land_use": new_use}},
        {"layer": "parcels", "where": f"unit_code = '{u1}'", "vertex": [*moved, at]},
        {"layer": "observations", "point": [centre.x, centre.y],
         "add": {"unit_code": u1, "note": "QGIS 录入 entered in QGIS"}},
    ])  # fmt: skip
    assert [e["ok"] for e in project["edits"]] == [True, True, True], project["edits"]
    assert not Path(f"{gpkg}-wal").exists()  # QGIS closed it: the .gpkg alone is complete
    r = upload(field_client, surveyor, result["package_id"], gpkg.read_bytes(), "p.gpkg")
    assert r.status_code == 200, r.text
    report = r.json()
    assert sorted(o["key"] for o in report["applied"]) == sorted([r1, u1, "new/1"]), report
    assert report["conflicts"] == [] and report["refused"] == []
    assert parcel(db, r1).land_use == new_use and parcel(db, r1).version == old[r1].version + 1
    now = shapely.from_wkt(parcel(db, u1).wkt)
    assert now.boundary.distance(shapely.Point(moved)) < 1e-7  # the vertex QGIS moved
    assert findings(db) == before
    state = register_state(db)
    again = upload(field_client, surveyor, result["package_id"], gpkg.read_bytes(), "p.gpkg")
    assert again.status_code == 200 and register_state(db) == state  # nothing twice
    assert again.json()["applied"] == again.json()["refused"] == again.json()["conflicts"] == []
