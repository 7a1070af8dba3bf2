"""A registrar opens a registration case from a survey without retyping anything."""

from __future__ import annotations

import shapely
from sqlalchemy import text

from gis.geo import AREA_SRID, STORAGE_SRID, reproject
from gis.settings import REPO_ROOT

SAMPLES = REPO_ROOT / "data" / "samples"


def _survey_of_parcel(client, auth, db, offset_m: float) -> tuple[int, str]:
    code, wkb = db.execute(
        text(
            "SELECT unit_code, ST_AsBinary(geom) FROM parcel WHERE end_lifespan IS NULL "
            "ORDER BY id DESC LIMIT 1"
        )
    ).one()
    poly = reproject(shapely.from_wkb(bytes(wkb)).geoms[0], STORAGE_SRID, AREA_SRID)
    rows = ["点号,X,Y,精度,解状态"] + [
        f"J{i},{n + offset_m:.3f},{e:.3f},0.03,4"
        for i, (e, n) in enumerate(list(poly.exterior.coords)[:-1], start=1)
    ]
    res = client.post(
        "/api/v1/surveys",
        files={"file": ("j.csv", "\n".join(rows).encode())},
        data={"surveyor": "李测绘"},
        headers=auth("surveyor"),
    )
    assert res.status_code == 201, res.text
    return res.json()["id"], code


def _cases(db) -> int:
    return db.execute(text("SELECT count(*) FROM reg_case")).scalar_one()


def test_new_parcel_case_from_survey(client, auth, db) -> None:
    data = (SAMPLES / "boundary_points_lonlat.csv").read_bytes()
    res = client.post(
        "/api/v1/surveys",
        files={"file": ("b.csv", data)},
        data={"surveyor": "李测绘"},
        headers=auth("surveyor"),
    )
    survey_id = res.json()["id"]
    res = client.post(
        f"/api/v1/surveys/{survey_id}/case",
        json={
            "kind": "new_parcel",
            "land_use": "0701",
            "holders": [
                {
                    "kind": "legal",
                    "name": "东莞市示范置业有限公司",
                    "id_number": "91441900MA4UTEXT09",
                    "share": "1",
                }
            ],
        },  # fmt: skip
        headers=auth("registrar"),
    )
    assert res.status_code == 201, res.text
    body = res.json()
    assert body["case_type"] == "first_registration"
    case = db.execute(
        text("SELECT case_type, payload FROM reg_case WHERE public_number = :n"),
        {"n": body["case_number"]},
    ).one()
    assert case[0] == "first_registration"
    assert "survey_plan" in str(case[1]) and "MULTIPOLYGON" in str(case[1])


def test_correction_of_a_unit_without_rights_is_refused(client, auth, db) -> None:
    survey_id, code = _survey_of_parcel(client, auth, db, 0.5)
    before = _cases(db)
    res = client.post(
        f"/api/v1/surveys/{survey_id}/case",
        json={"kind": "boundary_correction"},
        headers=auth("registrar"),
    )
    assert res.status_code == 409 and res.json()["field"] == "unit_code"
    assert code in res.json()["detail"]
    assert _cases(db) == before


def test_case_needs_registrar_and_a_known_kind(client, auth, db) -> None:
    survey_id, _ = _survey_of_parcel(client, auth, db, 0.0)
    res = client.post(
        f"/api/v1/surveys/{survey_id}/case", json={"kind": "new_parcel"}, headers=auth("surveyor")
    )
    assert res.status_code == 403
    res = client.post(
        f"/api/v1/surveys/{survey_id}/case", json={"kind": "merge"}, headers=auth("registrar")
    )
    assert res.status_code == 422 and res.json()["field"] == "kind"
    res = client.post(
        f"/api/v1/surveys/{survey_id}/case", json={"kind": "new_parcel"}, headers=auth("registrar")
    )
    assert res.status_code == 422 and res.json()["field"] == "land_use"
