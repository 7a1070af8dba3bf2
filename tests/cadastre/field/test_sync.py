"""Check-in of a package edited with GDAL/OGR as QField does: attribute changes applied
through the parcel edit path, boundary points moved (a survey record; a correction case
for a registered parcel, an edit for an unregistered one), a deleted parcel refused with
a reason, an observation with a geotagged photo kept; the same upload twice changes
nothing; a truncated or corrupt upload is refused and changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyogrio
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.cadastre.field.conftest import (
    Headers,
    checkout,
    findings,
    photo,
    register_state,
    some_codes,
    upload,
    zip_folder,
)
from tests.cadastre.field.qfield import edit
from tests.cadastre.registry.helpers import free_square


def inward(gpkg: Path, code: str, seq: int = 0, share: float = 0.15) -> tuple[str, float, float]:
    """A boundary point of ``code`` moved a share of the way to the parcel's centre (so no
    neighbour is overlapped); (where clause, new lon, new lat)."""
    parcels = pyogrio.read_dataframe(gpkg, layer="parcels", where=f"unit_code = '{code}'")
    c = parcels.geometry[0].centroid
    points = pyogrio.read_dataframe(gpkg, layer="boundary_points", where=f"unit_code = '{code}'")
    p = points[points["seq"] == seq].geometry.iloc[0]
    x, y = p.x + (c.x - p.x) * share, p.y + (c.y - p.y) * share
    return f"point_key = '{code}/0/{seq}'", x, y


def parcel(db: Session, code: str) -> Any:
    return db.execute(
        text(
            "SELECT land_use, version, ST_AsText(geom) AS wkt FROM parcel "
            "WHERE unit_code = :c AND end_lifespan IS NULL"
        ),
        {"c": code},
    ).one()


def test_field_edits_are_applied_kept_or_refused_and_nothing_twice(
    field_client: TestClient, db: Session, auth: Headers, tmp_path: Path
) -> None:
    before = findings(db)
    r1, r2, r3 = some_codes(db, 3)
    (u1,) = some_codes(db, 1, "unregistered")
    surveyor = auth("surveyor")
    result, gpkg = checkout(field_client, surveyor, tmp_path, unit_codes=[r1, r2, r3, u1])
    old = {c: parcel(db, c) for c in (r1, r2, r3, u1)}
    new_use = "0702" if old[r1].land_use != "0702" else "0701"
    w2, x2, y2 = inward(gpkg, r2)
    wu, xu, yu = inward(gpkg, u1, seq=1)
    centre = shapely.from_wkt(old[u1].wkt).representative_point()
    photo(gpkg.parent / "DCIM" / "obs1.jpg", centre.x, centre.y, "2026:11:30 09:15:00")
    drawn = shapely.geometry.shape(free_square(db, 0.0002))
    edit(
        gpkg,
        [
            {"op": "add", "layer": "parcels", "wkt": drawn.wkt, "values": {"land_use": "0701"}},
            {
                "op": "set",
                "layer": "parcels",
                "where": f"unit_code = '{r1}'",
                "values": {"land_use": new_use},
            },
            {
                "op": "set",
                "layer": "boundary_points",
                "where": w2,
                "wkt": f"POINT ({x2} {y2})",
                "values": {"accuracy_class": 2, "precision_m": 0.05},
            },
            {"op": "set", "layer": "boundary_points", "where": wu, "wkt": f"POINT ({xu} {yu})"},
            {"op": "delete", "layer": "parcels", "where": f"unit_code = '{r3}'"},
            {
                "op": "add",
                "layer": "observations",
                "wkt": f"POINT ({centre.x} {centre.y})",
                "values": {"unit_code": u1, "note": "新建围墙 new wall", "photo": "DCIM/obs1.jpg"},
            },
        ],
    )
    data = zip_folder(gpkg.parent.parent)
    r = upload(field_client, surveyor, result["package_id"], data, "package.zip")
    assert r.status_code == 200, r.text
    report = r.json()
    applied = {o["key"]: o for o in report["applied"]}
    new_parcel = [o for o in report["applied"] if o["layer"] == "parcels" and "/" in o["key"]]
    assert set(applied) == {r1, r2, u1, "new/1", new_parcel[0]["key"]}, report
    first = next(d for d in new_parcel[0]["detail"] if d["what"] == "case")
    kind = db.execute(
        text("SELECT case_type FROM reg_case WHERE public_number = :n"), {"n": first["case_number"]}
    ).scalar_one()
    assert kind == "first_registration"  # a drawn parcel: a case, not a parcel
    assert [o["key"] for o in report["refused"]] == [r3]
    assert "注销" in report["refused"][0]["zh"] and "cancellation" in report["refused"][0]["en"]
    assert report["conflicts"] == []

    assert parcel(db, r1).land_use == new_use  # through the parcel edit path: a new version
    assert parcel(db, r1).version == old[r1].version + 1
    assert parcel(db, r2).wkt == old[r2].wkt  # registered boundary: not a silent edit ...
    case = next(d for d in applied[r2]["detail"] if d["what"] == "case")
    reg = db.execute(
        text("SELECT case_type, unit_code FROM reg_case WHERE public_number = :n"),
        {"n": case["case_number"]},
    ).one()
    assert tuple(reg) == ("correction", r2)  # ... but a correction case
    survey_id = next(d for d in applied[r2]["detail"] if d["what"] == "survey")["survey_id"]
    classes = db.execute(
        text(
            "SELECT s.unit_code, p.declared_class, p.precision_m FROM survey s "
            "JOIN survey_point p "
            "ON p.survey_id = s.id WHERE s.id = :i AND p.name = 'J1'"
        ),
        {"i": survey_id},
    ).one()
    assert classes.unit_code == r2 and float(classes.precision_m) == 0.05
    assert classes.declared_class == 2  # the accuracy class the surveyor entered
    moved = shapely.from_wkt(parcel(db, u1).wkt)
    assert parcel(db, u1).version == old[u1].version + 1
    assert moved.boundary.distance(shapely.Point(xu, yu)) < 1e-7
    assert parcel(db, r3).wkt == old[r3].wkt  # the deletion changed nothing
    obs = db.execute(
        text("SELECT unit_code, photo FROM field_observation WHERE package_id = :p"),
        {"p": result["package_id"]},
    ).one()
    assert obs.unit_code == u1 and obs.photo.endswith(".jpg")

    state = register_state(db)
    again = upload(field_client, surveyor, result["package_id"], data, "package.zip").json()
    assert again["applied"] == again["conflicts"] == again["refused"] == []
    assert again["already_synced"] >= 1  # the refused deletion, recognised
    assert register_state(db) == state
    assert findings(db) == before


def test_truncated_or_corrupt_uploads_change_nothing(
    field_client: TestClient, db: Session, auth: Headers, tmp_path: Path
) -> None:
    surveyor = auth("surveyor")
    (code,) = some_codes(db, 1)
    result, gpkg = checkout(field_client, surveyor, tmp_path, unit_codes=[code])
    edit(
        gpkg,
        [
            {
                "op": "set",
                "layer": "parcels",
                "where": f"unit_code = '{code}'",
                "values": {"land_use": "0901"},
            }
        ],
    )
    whole = gpkg.read_bytes()
    zipped = zip_folder(gpkg.parent.parent)
    state = register_state(db)
    for data, name in (
        (whole[: len(whole) // 2], "cut.gpkg"),
        (zipped[: len(zipped) - 300], "cut.zip"),
        (whole[:100] + bytes(len(whole) - 100), "zeroed.gpkg"),
        (b"not a package", "x.gpkg"),
    ):
        r = upload(field_client, surveyor, result["package_id"], data, name)
        assert r.status_code == 422, (name, r.text)
        assert r.json()["field"] == "file"
    assert register_state(db) == state
    assert (
        db.execute(
            text("SELECT count(*) FROM field_sync WHERE package_id = :p"),
            {"p": result["package_id"]},
        ).scalar_one()
        == 0
    )
    ok = upload(field_client, surveyor, result["package_id"], whole, "whole.gpkg")
    assert ok.status_code == 200 and [o["key"] for o in ok.json()["applied"]] == [code]


def test_only_the_owner_checks_in_and_only_its_own_package(
    field_client: TestClient, db: Session, auth: Headers, tmp_path: Path
) -> None:
    (code,) = some_codes(db, 1)
    result, gpkg = checkout(field_client, auth("surveyor"), tmp_path, unit_codes=[code])
    r = upload(field_client, auth("inspector"), result["package_id"], gpkg.read_bytes(), "a.gpkg")
    assert r.status_code == 404
    r = upload(field_client, auth("bidder"), result["package_id"], gpkg.read_bytes(), "a.gpkg")
    assert r.status_code == 403
