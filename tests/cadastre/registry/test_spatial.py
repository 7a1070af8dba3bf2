"""Registrations that touch parcels: boundary correction and new parcels from surveys."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from cadastre import handoff
from cadastre.registry import service
from gis.errors import InvalidInput
from tests.cadastre.registry.conftest import CORP
from tests.cadastre.registry.helpers import (
    STEP_ACTORS,
    end_notice,
    free_square,
    register_counts,
    run_case,
)

STEPS = ("accept", "review", "enter")
SURVEY = {"kind": "survey_plan", "title": "测量成果 survey 7", "sha256": None, "path": None}


def _geometry(db: Session, code: str, shrink_m: float = 0.0) -> dict[str, Any]:
    """The parcel's current geometry as GeoJSON (4490), shrunk by ``shrink_m`` metres."""
    return json.loads(
        db.execute(
            text(
                "SELECT ST_AsGeoJSON(ST_Transform(ST_Buffer(ST_Transform(geom, 4547), -:m), "
                "4490)) FROM parcel WHERE unit_code = :c AND end_lifespan IS NULL"
            ),
            {"c": code, "m": shrink_m},
        ).scalar_one()
    )


def _parcel(db: Session, code: str) -> Any:
    return db.execute(
        text("SELECT version, area_m2 FROM parcel WHERE unit_code = :c AND end_lifespan IS NULL"),
        {"c": code},
    ).one()


def test_boundary_correction_from_survey(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    code = unit_codes[0]
    run_case(db, "first_registration", unit_code=code, holders=holders)
    before = _parcel(db, code)
    number = handoff.open_case(
        db,
        case_type="correction",
        submitted_by="survey",
        unit_code=code,
        geometry_geojson=_geometry(db, code, 0.5),
        source=SURVEY,
    )
    for step in STEPS:  # the survey is the proof of the boundary error
        service.take_step(db, number, step, actor=STEP_ACTORS[step], role="registrar")
    after = _parcel(db, code)
    assert after.version == before.version + 1
    assert 0 < after.area_m2 < before.area_m2
    assert len(service.case_status(db, number)["steps"]) == 4


def test_overlapping_new_parcel_refused_and_nothing_stored(
    db: Session, unit_codes: list[str]
) -> None:
    counts = register_counts(db)
    with pytest.raises(InvalidInput) as err:
        handoff.open_case(
            db,
            case_type="first_registration",
            submitted_by="survey",
            land_use="0701",
            geometry_geojson=_geometry(db, unit_codes[1], -2.0),
            source=SURVEY,
        )
    assert err.value.field == "geometry" and "overlap" in err.value.detail
    assert register_counts(db) == counts


def test_survey_parcel_without_holders_is_completed_at_the_window(
    client: TestClient, db: Session, auth: Any
) -> None:
    number = handoff.open_case(
        db,
        case_type="first_registration",
        submitted_by="survey",
        land_use="0702",
        geometry_geojson=free_square(db),
        source=SURVEY,
    )
    reg = auth("registrar")
    contract = b"%PDF allocation decision"
    service.attach_document(
        db, number, kind="contract", title="划拨决定书", data=contract, actor="r"
    )  # the source of the right (a survey plan is not)
    for step in ("accept", "review"):
        service.take_step(db, number, step, actor=STEP_ACTORS[step], role="registrar")
    end_notice(db, number)
    db.commit()  # as a request would (the test's outer transaction still rolls back)
    counts = register_counts(db)
    r = client.post(f"/api/v1/cases/{number}/steps", json={"step": "enter"}, headers=reg)
    assert r.status_code == 422 and r.json()["field"] == "holders"
    assert register_counts(db) == counts
    bad = client.put(
        f"/api/v1/cases/{number}/holders", headers=reg, json={"holders": [dict(CORP, share="1/2")]}
    )
    assert bad.status_code == 422 and bad.json()["field"] == "holders"
    ok = client.put(f"/api/v1/cases/{number}/holders", headers=reg, json={"holders": [CORP]})
    assert ok.status_code == 200, ok.text
    r = client.post(f"/api/v1/cases/{number}/steps", json={"step": "enter"}, headers=reg)
    assert r.status_code == 200, r.text
    code = r.json()["unit_code"]
    assert _parcel(db, code).version == 1
    assert client.get(f"/api/v1/cases/{number}").json()["status"] == "entered"
