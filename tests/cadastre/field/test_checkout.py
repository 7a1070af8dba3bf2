"""Checkout: one GeoPackage (parcels with row versions, boundary points, plan zones,
patches, manifest, basemap tiles) and a QGIS project whose layers point into it."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pyogrio
import rasterio
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.cadastre.field.conftest import Headers, checkout, some_codes


def test_checkout_by_codes_writes_a_complete_geopackage(
    field_client: TestClient, db: Session, auth: Headers, tmp_path: Path
) -> None:
    codes = some_codes(db, 3)
    result, gpkg = checkout(field_client, auth("surveyor"), tmp_path, unit_codes=codes)
    layers = dict(pyogrio.list_layers(gpkg))
    for name in (
        "parcels",
        "boundary_points",
        "plan_zones",
        "change_patches",
        "observations",
        "manifest",
    ):
        assert name in layers
    parcels = pyogrio.read_dataframe(gpkg, layer="parcels")
    assert sorted(parcels["unit_code"]) == sorted(codes)
    assert parcels["_row_version"].str.len().eq(32).all()  # the ETag of each row
    points = pyogrio.read_dataframe(gpkg, layer="boundary_points")
    assert len(points) == result["boundary_points"] >= 3 * len(codes)
    manifest = pyogrio.read_dataframe(gpkg, layer="manifest", read_geometry=False)
    assert manifest["package_id"][0] == result["package_id"]
    assert manifest["user"][0] == "test-surveyor"
    versions = json.loads(manifest["versions"][0])["parcels"]
    assert versions == dict(zip(parcels["unit_code"], parcels["_row_version"], strict=True))
    with rasterio.open(f"GPKG:{gpkg}:basemap") as basemap:
        assert basemap.count in (3, 4) and basemap.width >= 16  # GDAL reads RGBA tiles
        assert basemap.read(1).std() > 0  # parcels drawn, not a blank image
    info = subprocess.run(["ogrinfo", "-ro", "-so", str(gpkg)], capture_output=True, text=True)
    assert info.returncode == 0 and "parcels (Multi Polygon)" in info.stdout


def test_qgis_project_points_into_the_geopackage_with_forms(
    field_client: TestClient, db: Session, auth: Headers, tmp_path: Path
) -> None:
    result, gpkg = checkout(field_client, auth("surveyor"), tmp_path, unit_codes=some_codes(db, 2))
    project = ET.parse(gpkg.parent / Path(result["qgs"]).name).getroot()
    assert project.tag == "qgis"
    layers = {m.findtext("layername"): m for m in project.iter("maplayer")}
    sources = {m.findtext("datasource") for m in layers.values()}
    for s in sources:
        path = s.split("|")[0].removeprefix("GPKG:").rsplit(":basemap", 1)[0]
        assert (gpkg.parent / path).resolve() == gpkg.resolve()
    parcels = layers["宗地 parcels"]
    land_use = next(f for f in parcels.iter("field") if f.get("name") == "land_use")
    labels = [o.get("name") for o in land_use.iter("Option") if o.get("value") == "0101"]
    assert labels == ["0101 水田"]
    required = {c.get("field") for c in parcels.iter("constraint")}
    assert "land_use" in required
    assert {m.get("type") for m in layers.values()} == {"vector", "raster"}
    editable = {f.get("name"): f.get("editable") for f in parcels.find("editable")}  # type: ignore[union-attr]
    assert editable["unit_code"] == "0" and editable["land_use"] == "1"


def test_checkout_refuses_other_roles_and_empty_input(
    field_client: TestClient, db: Session, auth: Headers
) -> None:
    codes = some_codes(db, 1)
    r = field_client.post(
        "/api/v1/field/packages", json={"unit_codes": codes}, headers=auth("bidder")
    )
    assert r.status_code == 403
    r = field_client.post("/api/v1/field/packages", json={}, headers=auth("surveyor"))
    assert r.status_code == 422
    r = field_client.post(
        "/api/v1/field/packages", json={"patch_ids": [1]}, headers=auth("surveyor")
    )
    assert r.status_code == 403


def test_checkout_by_polygon_and_bad_polygons_are_422(
    field_client: TestClient, db: Session, auth: Headers, tmp_path: Path
) -> None:
    from sqlalchemy import text

    codes = some_codes(db, 2)
    box = json.loads(
        db.execute(
            text(
                "SELECT ST_AsGeoJSON(ST_Envelope(ST_Union(geom))) FROM parcel "
                "WHERE unit_code = ANY(:c) AND end_lifespan IS NULL"
            ),
            {"c": codes},
        ).scalar_one()
    )
    result, gpkg = checkout(field_client, auth("inspector"), tmp_path, polygon=box)
    parcels = set(pyogrio.read_dataframe(gpkg, layer="parcels")["unit_code"])
    assert set(codes) <= parcels and result["parcels"] == len(parcels)
    surveyor = auth("surveyor")
    for polygon in (
        {"type": "Polygon", "coordinates": [[["a", 1], [2, 3]]]},
        {"type": "Polygon", "coordinates": [[[-170, -80], [170, -80], [170, 80], [-170, -80]]]},
        {"type": "Point", "coordinates": [113.7, 23.0]},
        {"type": "Polygon", "coordinates": []},
    ):
        r = field_client.post("/api/v1/field/packages", json={"polygon": polygon}, headers=surveyor)
        assert r.status_code == 422, (polygon, r.text)
        assert r.json()["field"] == "polygon"
