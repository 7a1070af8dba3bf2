"""Plan editions that cannot silently go empty: activation needs all four layers, valid,
and an approval on file; it is journaled with who and why; every compliance verdict names
the edition it was judged against, and the client can choose the edition."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from landgis_client import Client
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.db import transaction
from tests.gis.planning.test_api import _on_farmland, copy_layers

API = "/api/v1/planning"
LAYERS = ("zoning", "farmland", "development_boundary", "ecological_redline")


def _in_force(db: Session) -> int:
    return int(db.execute(text("SELECT id FROM plan_edition WHERE in_force")).scalar_one())


def _farm_verdict(client: TestClient, unit_code: str, edition: int | None = None) -> dict:
    body = {"unit_code": unit_code, "proposed_land_use": "07", "edition_id": edition}
    r = client.post(f"{API}/compliance", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_one_post_empty_edition_is_refused(
    client: TestClient, auth: Callable[[str], dict[str, str]], db: Session
) -> None:
    """Today's attack: POST an edition, activate it, and farmland becomes 'compliant'."""
    h = auth("planner")
    farm = _on_farmland(db)
    before = _in_force(db)
    assert _farm_verdict(client, farm)["verdict"] == "conflict"
    new = client.post(
        f"{API}/editions", json={"name": "空版本", "approved_on": "2026-12-01"}, headers=h
    ).json()["id"]
    r = client.post(f"{API}/editions/{new}/activate", json={"reason": "试试"}, headers=h)
    assert r.status_code == 409, r.text
    problem = r.json()
    assert problem["code"] == "EditionIncomplete" and problem["field"] == "layers.zoning"
    assert [m["field"] for m in problem["missing"]] == [f"layers.{x}" for x in LAYERS] + [
        "approval"
    ]
    assert "永久基本农田" in problem["detail"] and "farmland" in problem["detail"]
    assert _in_force(db) == before
    after = _farm_verdict(client, farm)
    assert after["verdict"] == "conflict" and after["edition_id"] == before
    assert after["edition_name"] and after["edition_in_force"] is True
    assert db.execute(text("SELECT count(*) FROM plan_activation")).scalar_one() == 0


def test_activation_needs_valid_layers_and_approval_and_is_journaled(
    client: TestClient, auth: Callable[[str], dict[str, str]], db: Session, tmp_path: Path
) -> None:
    h = auth("planner")
    old = _in_force(db)
    new = client.post(
        f"{API}/editions", json={"name": "2026 修编", "approved_on": "2026-11-20"}, headers=h
    ).json()["id"]
    copy_layers(db, old, new)
    with transaction(db):  # one self-intersecting (bow-tie) farmland zone
        db.execute(
            text(
                "INSERT INTO plan_zone (edition_id, layer, code, name, geom) "
                "VALUES (:e, 'farmland', '', 'bad', ST_GeomFromText("
                "'MULTIPOLYGON(((113.7 23,113.71 23.01,113.71 23,113.7 23.01,113.7 23)))', 4490))"
            ),
            {"e": new},
        )
    url = f"{API}/editions/{new}/activate"
    bad = client.post(url, json={"reason": "新规划批复"}, headers=h).json()
    assert [m["field"] for m in bad["missing"]] == ["layers.farmland", "approval"]
    with transaction(db):
        db.execute(text("DELETE FROM plan_zone WHERE edition_id = :e AND name = 'bad'"), {"e": new})
    no_doc = client.post(url, json={"reason": "新规划批复"}, headers=h)
    assert no_doc.status_code == 409 and no_doc.json()["field"] == "approval"
    assert client.post(url, json={"reason": ""}, headers=h).status_code == 422
    assert client.post(url, json={"reason": "x"}, headers=auth("bidder")).status_code == 403
    assert client.post(url, json={"reason": "x"}).status_code == 401
    scan = tmp_path / "批复.pdf"
    scan.write_bytes(b"%PDF-1.4 approval of the 2026 revision")
    with scan.open("rb") as fh:
        up = client.post(
            f"{API}/editions/{new}/approval", files={"file": ("批复.pdf", fh)}, headers=h
        )
    assert up.status_code == 200, up.text
    done = client.post(url, json={"reason": "省政府批复新规划"}, headers=h)
    assert done.status_code == 200, done.text
    entry = done.json()
    assert entry["previous_edition_id"] == old and entry["actor_name"] == "test-planner"
    assert entry["reason"] == "省政府批复新规划" and entry["zones"]["ecological_redline"] == 1
    assert entry["approval"]["file_sha256"] == up.json()["file_sha256"]
    assert _in_force(db) == new
    journal = client.get(f"{API}/activations", headers=h).json()
    assert journal[0]["edition_id"] == new and journal[0]["reason"] == "省政府批复新规划"
    again = client.post(url, json={"reason": "again"}, headers=h)
    assert again.status_code == 409 and again.json()["field"] == "edition_id"


def test_a_reference_is_an_approval_and_the_client_chooses_the_edition(
    client: TestClient, auth: Callable[[str], dict[str, str]], db: Session
) -> None:
    h = auth("planner")
    old = _in_force(db)
    body = {
        "name": "无农田版",
        "approved_on": "2026-11-25",
        "document": "粤府函〔2026〕88号",
        "approval_authority": "广东省人民政府",
    }
    new = client.post(f"{API}/editions", json=body, headers=h).json()["id"]
    copy_layers(db, old, new, skip="farmland")
    refused = client.post(f"{API}/editions/{new}/activate", json={"reason": "r"}, headers=h)
    assert refused.status_code == 409 and refused.json()["field"] == "layers.farmland"
    assert [m["field"] for m in refused.json()["missing"]] == ["layers.farmland"]
    copy_layers(db, old, new, skip="zoning")  # now with farmland (other layers doubled)
    ok = client.post(f"{API}/editions/{new}/activate", json={"reason": "批复"}, headers=h)
    assert ok.status_code == 200, ok.text
    assert ok.json()["approval"]["number"] == "粤府函〔2026〕88号"
    farm = _on_farmland(db)
    c = Client("http://testserver")
    c.http = client  # the app on the test's session
    now = c.compliance("07", unit_code=farm)
    assert (
        now["edition_id"] == new and now["edition_in_force"] and now["edition_name"] == "无农田版"
    )
    then = c.compliance("07", unit_code=farm, edition=old)
    assert then["edition_id"] == old and then["edition_in_force"] is False
    assert then["verdict"] == "conflict" and "FARMLAND" in {x["code"] for x in then["conflicts"]}
