"""Certificates tell their current status: superseded when the holder sold, cancelled when
the unit was split, merged or cancelled or the restriction it proves ended; genuine or not.

Each rule is shown the way it used to be broken: the old certificate kept verifying as
``valid: true`` after a transfer and after a split.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient
from shapely.geometry import LineString, mapping, shape
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from cadastre.registry.certificate_status import certificate_status
from cadastre.registry.models import Certificate, JournalEntry, RegCase
from tests.cadastre.parcels.conftest import etag_of, touching_pair
from tests.cadastre.registry.conftest import ALICE, BOB, CORP, PERSONAL
from tests.cadastre.registry.helpers import run_case

PARCELS = "/api/v1/parcels"
BUYER = {**CORP, "share": "1"}
COURT = {"kind": "court_order", "title": "(2026)粤1971执88号", "sha256": None, "path": None}


def issued(db: Session, case_type: str, code: str, **req: Any) -> tuple[str, RegCase]:
    """Run a case through issue; its certificate number and the case."""
    number = run_case(db, case_type, unit_code=code, through="issue", **req)
    case = db.scalars(select(RegCase).where(RegCase.public_number == number)).one()
    cert = db.scalars(select(Certificate).where(Certificate.case_id == case.id)).one()
    return cert.number, case


def status_json(client: TestClient, number: str) -> Any:
    r = client.get(f"/api/v1/certificates/{quote(number, safe='')}/status")
    assert r.status_code == 200, r.text
    return r.json()


def no_personal_data(text_: str) -> None:
    for value in PERSONAL + [CORP["name"], CORP["id_number"]]:
        assert value not in text_, value


def test_certificate_of_a_sold_parcel_is_superseded_by_the_buyers(
    db: Session, client: TestClient, unit_codes: list[str]
) -> None:
    code = unit_codes[0]
    first, _ = issued(db, "first_registration", code, holders=[dict(ALICE), dict(BOB)])
    assert status_json(client, first)["current"] is True
    second, sale = issued(db, "transfer", code, holders=[BUYER])

    old = status_json(client, first)
    assert old["genuine"] is True and old["current"] is False
    assert old["status"] == "superseded"
    assert old["superseded_by"] == second and old["superseded_by_case"] == sale.public_number
    assert sale.entered_at is not None and old["superseded_on"] == sale.entered_at.isoformat()
    assert old["cancelled_on"] is None
    day = f"{sale.entered_at.year}年"
    assert day in old["verdict_zh"] and second in old["verdict_en"]
    new = status_json(client, second)
    assert new["current"] is True and new["status"] == "current"

    page = client.get(f"/verify/{quote(first, safe='')}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "已被取代" in page.text and second in page.text and sale.public_number in page.text
    assert 'name="viewport"' in page.text and "http" not in page.text.replace(first, "")
    no_personal_data(page.text + str(old) + str(new))


def test_certificate_states_restrictions_now_on_the_unit(
    db: Session, client: TestClient, unit_codes: list[str]
) -> None:
    code = unit_codes[1]
    first, _ = issued(db, "first_registration", code, holders=[dict(ALICE), dict(BOB)])
    m = {"amount": "900000.00", "creditor": "东莞银行", "term_end": "2036-06-30"}
    proof, _ = issued(db, "mortgage", code, mortgage=m)
    run_case(db, "seizure", unit_code=code, source=COURT)
    s = status_json(client, first)
    assert s["current"] is True
    assert [r["type"] for r in s["restrictions"]] == ["mortgage", "seizure"]
    assert [r["name_zh"] for r in s["restrictions"]] == ["抵押", "查封"]
    assert "东莞银行" not in str(s) and "900000" not in str(s)
    assert status_json(client, proof)["status"] == "current"
    page = client.get(f"/verify/{quote(first, safe='')}").text
    assert "抵押" in page and "查封" in page and "现势有效" in page


def test_mortgage_proof_is_cancelled_when_the_mortgage_is_discharged(
    db: Session, client: TestClient, unit_codes: list[str]
) -> None:
    code = unit_codes[2]
    first, _ = issued(db, "first_registration", code, holders=[dict(ALICE), dict(BOB)])
    m = {"amount": "500000.00", "creditor": "东莞银行", "term_end": "2036-06-30"}
    proof, _ = issued(db, "mortgage", code, mortgage=m)
    discharge = run_case(db, "mortgage_discharge", unit_code=code)
    entered = db.scalars(select(RegCase.entered_at).where(RegCase.public_number == discharge))
    s = status_json(client, proof)
    assert s["status"] == "cancelled" and s["current"] is False
    assert s["cancelled_on"] == entered.one().isoformat()
    assert status_json(client, first)["current"] is True  # the right is untouched
    assert status_json(client, first)["restrictions"] == []


def test_cancelled_unit_cancels_its_certificate(
    db: Session, client: TestClient, unit_codes: list[str]
) -> None:
    code = unit_codes[3]
    first, _ = issued(db, "first_registration", code, holders=[dict(ALICE), dict(BOB)])
    run_case(db, "cancellation", unit_code=code)
    s = status_json(client, first)
    assert s["status"] == "cancelled" and s["current"] is False and s["cancelled_on"]
    assert s["successor_units"] == [] and "注销" in s["verdict_zh"]


def _split(client: TestClient, auth: Any, code: str) -> list[str]:
    g = shape(client.get(f"{PARCELS}/{code}").json()["geometry"])
    minx, miny, maxx, maxy = g.bounds
    line = LineString([(g.centroid.x, miny - 0.001), (g.centroid.x, maxy + 0.001)])
    headers = {**auth("registrar"), "If-Match": etag_of(client, code)}
    r = client.post(f"{PARCELS}/{code}/split", json={"line": mapping(line)}, headers=headers)
    assert r.status_code == 200, r.text
    return sorted(f["id"] for f in r.json()["created"])


def test_split_unit_cancels_its_certificate_naming_the_parts(
    db: Session, client: TestClient, auth: Any
) -> None:
    code = touching_pair(db)[0]
    first, _ = issued(db, "first_registration", code, holders=[dict(ALICE), dict(BOB)])
    parts = _split(client, auth, code)
    s = status_json(client, first)
    assert s["status"] == "cancelled" and s["current"] is False
    assert s["successor_units"] == parts and s["restrictions"] == []
    assert all(p in s["verdict_zh"] for p in parts)
    page = client.get(f"/verify/{quote(first, safe='')}").text
    assert "已注销" in page and parts[0] in page


def test_merged_units_cancel_both_certificates(db: Session, client: TestClient, auth: Any) -> None:
    a, b = touching_pair(db, 1)
    holders = [dict(ALICE), dict(BOB)]
    certs = [issued(db, "first_registration", c, holders=holders)[0] for c in (a, b)]
    headers = {**auth("registrar"), "If-Match": f"{etag_of(client, a)}, {etag_of(client, b)}"}
    r = client.post(f"{PARCELS}/merge", json={"unit_codes": [a, b]}, headers=headers)
    assert r.status_code == 200, r.text
    merged = [f["id"] for f in r.json()["created"]]
    for number in certs:
        s = status_json(client, number)
        assert s["status"] == "cancelled" and s["successor_units"] == merged


def test_unknown_number_and_altered_stored_certificate_are_not_genuine(
    db: Session, client: TestClient, unit_codes: list[str]
) -> None:
    fake = "粤(2026)东莞市不动产权第9999999号"
    r = client.get(f"/api/v1/certificates/{quote(fake, safe='')}/status")
    assert r.status_code == 404 and r.json()["field"] == "number"
    page = client.get(f"/verify/{quote(fake, safe='')}")
    assert page.status_code == 404 and "查无此证" in page.text

    number, _ = issued(db, "first_registration", unit_codes[4], holders=[dict(ALICE), dict(BOB)])
    db.execute(
        text(
            "UPDATE certificate SET body = jsonb_set(body, '{unit_code}', '\"X\"') "
            "WHERE number = :n"
        ),
        {"n": number},
    )
    db.expire_all()
    s = status_json(client, number)
    assert s["genuine"] is False and s["current"] is False
    assert certificate_status(db, number).genuine is False


def test_every_check_is_journaled_without_who_asked(
    db: Session, client: TestClient, unit_codes: list[str]
) -> None:
    number, _ = issued(db, "first_registration", unit_codes[5], holders=[dict(ALICE), dict(BOB)])
    status_json(client, number)
    client.get(f"/verify/{quote(number, safe='')}")
    rows = db.scalars(
        select(JournalEntry)
        .where(JournalEntry.event == "certificate_verified")
        .order_by(JournalEntry.seq.desc())
        .limit(2)
    ).all()
    assert [e.payload["channel"] for e in rows] == ["page", "api"]
    assert all(e.payload["certificate_number"] == number for e in rows)
    assert all(e.unit_code == unit_codes[5] and e.payload["status"] == "current" for e in rows)
    no_personal_data(str([e.payload for e in rows]))
