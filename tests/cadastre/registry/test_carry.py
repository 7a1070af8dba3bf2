"""Rights and restrictions follow a parcel through split and merge (分割、合并).

A split gives every part the parent's holders with the exact shares and its mortgage and
seizure; a merge needs the same holders with the same shares on every parent and carries
every parent's mortgage; the parents' records end at the edit's instant, each new record
points to the one it was carried from, the journal records it and still verifies.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from fastapi.testclient import TestClient
from shapely.geometry import LineString, mapping, shape
from sqlalchemy import text
from sqlalchemy.orm import Session

from cadastre.registry import journal
from tests.cadastre.parcels.conftest import etag_of, snapshot, touching_pair
from tests.cadastre.registry.conftest import ALICE, BOB, CORP
from tests.cadastre.registry.helpers import register_counts, run_case

API = "/api/v1/parcels"
COURT = {"kind": "court_order", "title": "(2026)粤1971执77号", "sha256": None, "path": None}
SEVENTHS = [{**ALICE, "share": "1/7"}, {**BOB, "share": "2/7"}, {**CORP, "share": "4/7"}]
HALVES = [dict(ALICE), dict(BOB)]


def _mortgage(amount: str, creditor: str) -> dict[str, str]:
    return {"amount": amount, "creditor": creditor, "term_end": "2031-06-30"}


def _live(db: Session, code: str) -> list[Any]:
    return list(
        db.execute(
            text(
                "SELECT id, uid, kind, rrr_type, party_uid, share_num, share_den, amount, "
                "creditor, case_id, begin_lifespan FROM rrr "
                "WHERE unit_code = :c AND end_lifespan IS NULL ORDER BY rrr_type, party_uid, amount"
            ),
            {"c": code},
        )
    )


def _carried_from(db: Session, to_id: int) -> list[int]:
    return list(
        db.execute(
            text("SELECT from_id FROM rrr_carry WHERE to_id = :t ORDER BY from_id"), {"t": to_id}
        ).scalars()
    )


def _register(client: TestClient, auth: Any, code: str, at: datetime | None = None) -> Any:
    params = {"at": at.isoformat()} if at else {}
    return client.get(f"/api/v1/units/{code}/register", params=params, headers=auth("registrar"))


def _split(client: TestClient, auth: Any, code: str) -> Any:
    g = shape(client.get(f"{API}/{code}").json()["geometry"])
    minx, miny, maxx, maxy = g.bounds
    x = g.centroid.x
    line = LineString([(x, miny - 0.001), (x, maxy + 0.001)])
    headers = {**auth("registrar"), "If-Match": etag_of(client, code)}
    return client.post(f"{API}/{code}/split", json={"line": mapping(line)}, headers=headers)


def _merge(client: TestClient, auth: Any, codes: tuple[str, str]) -> Any:
    tags = ", ".join(etag_of(client, c) for c in codes)
    headers = {**auth("registrar"), "If-Match": tags}
    return client.post(f"{API}/merge", json={"unit_codes": list(codes)}, headers=headers)


def test_split_gives_every_part_the_holders_shares_mortgage_and_seizure(
    client: TestClient, auth: Any, db: Session
) -> None:
    code = touching_pair(db)[0]
    run_case(db, "first_registration", unit_code=code, holders=SEVENTHS)
    run_case(db, "mortgage", unit_code=code, mortgage=_mortgage("1234567.89", "东莞农商银行"))
    run_case(db, "seizure", unit_code=code, source=COURT)
    parent = _live(db, code)
    assert sorted(r.rrr_type for r in parent) == ["mortgage", "seizure"] + ["use_right"] * 3

    r = _split(client, auth, code)
    assert r.status_code == 200, r.text
    children = [f["id"] for f in r.json()["created"]]
    edit_at = db.execute(
        text(
            "SELECT e.at FROM parcel_edit e JOIN parcel_lineage l ON l.edit_id = e.id "
            "JOIN parcel p ON p.id = l.child_id WHERE p.unit_code = :c"
        ),
        {"c": children[0]},
    ).scalar_one()

    assert _live(db, code) == []  # the parent's records ended at the split's instant
    ended = db.execute(
        text("SELECT DISTINCT end_lifespan FROM rrr WHERE unit_code = :c"), {"c": code}
    ).scalars()
    assert list(ended) == [edit_at]
    for child in children:
        rows = _live(db, child)
        assert len(rows) == len(parent)
        for new, old in zip(rows, parent, strict=True):
            assert (new.kind, new.rrr_type, new.party_uid, new.amount, new.creditor) == (
                old.kind,
                old.rrr_type,
                old.party_uid,
                old.amount,
                old.creditor,
            )
            assert (new.share_num, new.share_den) == (old.share_num, old.share_den)
            assert new.case_id == old.case_id and new.begin_lifespan == edit_at
            assert _carried_from(db, new.id) == [old.id]
        shares = [Fraction(s.share_num, s.share_den) for s in rows if s.kind == "right"]
        assert sorted(shares) == [Fraction(1, 7), Fraction(2, 7), Fraction(4, 7)]
        assert sum(shares) == 1
        page = _register(client, auth, child).json()
        assert {x["type"] for x in page["restrictions"]} == {"mortgage", "seizure"}
        assert sorted(x["share"] for x in page["rights"]) == ["1/7", "2/7", "4/7"]
        history = client.get(f"/api/v1/units/{child}/history", headers=auth("registrar"))
        carried = [e["carried_from"] for e in history.json()["events"]]
        assert all(len(c) == 1 and c[0]["unit_code"] == code for c in carried)

    before = _register(client, auth, code, edit_at - timedelta(microseconds=1)).json()
    assert {x["type"] for x in before["restrictions"]} == {"mortgage", "seizure"}
    assert len(before["rights"]) == 3
    assert (
        _register(client, auth, children[0], edit_at - timedelta(microseconds=1)).status_code == 404
    )

    entry = db.execute(text("SELECT * FROM journal ORDER BY seq DESC LIMIT 1")).one()
    assert entry.event == "rrr_carried" and entry.unit_code == code
    assert entry.payload["to"] == children and len(entry.payload["carried"]) == 2 * len(parent)
    assert ALICE["name"] not in str(entry.payload) and ALICE["id_number"] not in str(entry.payload)
    assert journal.verify(db).ok
    assert client.get("/api/v1/journal/verify").json()["ok"] is True


def test_merge_of_parcels_with_different_holders_is_refused_naming_them(
    client: TestClient, auth: Any, db: Session
) -> None:
    a, b = touching_pair(db, 1)
    run_case(db, "first_registration", unit_code=a, holders=HALVES)
    run_case(
        db,
        "first_registration",
        unit_code=b,
        holders=[{**ALICE, "share": "1/3"}, {**BOB, "share": "2/3"}],
    )
    parcels, register = snapshot(db), register_counts(db)

    r = _merge(client, auth, (a, b))
    assert r.status_code == 409, r.text
    problem = r.json()
    assert r.headers["content-type"] == "application/problem+json"
    assert problem["field"] == "unit_codes" and problem["code"] == "HoldersDiffer"
    assert problem["unit_codes"] == sorted([a, b])
    assert a in problem["detail"] and b in problem["detail"] and "holders" in problem["detail"]
    assert a in problem["detail_zh"] and b in problem["detail_zh"]
    assert "权利人" in problem["detail_zh"] and "不能合并" in problem["detail_zh"]
    assert snapshot(db) == parcels and register_counts(db) == register
    assert len(_live(db, a)) == 2 and len(_live(db, b)) == 2


def test_merge_with_same_holders_carries_both_mortgages(
    client: TestClient, auth: Any, db: Session
) -> None:
    a, b = touching_pair(db, 2)
    for code, amount in ((a, "300000.00"), (b, "450000.50")):
        run_case(db, "first_registration", unit_code=code, holders=HALVES)
        run_case(db, "mortgage", unit_code=code, mortgage=_mortgage(amount, "建设银行东莞分行"))
    olds = {c: _live(db, c) for c in (a, b)}

    r = _merge(client, auth, (a, b))
    assert r.status_code == 200, r.text
    (merged,) = [f["id"] for f in r.json()["created"]]
    rows = _live(db, merged)
    rights = [x for x in rows if x.kind == "right"]
    mortgages = [x for x in rows if x.rrr_type == "mortgage"]
    assert sorted((x.share_num, x.share_den) for x in rights) == [(1, 2), (1, 2)]
    assert sorted(str(m.amount) for m in mortgages) == ["300000.00", "450000.50"]
    for right in rights:  # one right per holder, carried from the holder's right on both parents
        sources = [o.id for c in (a, b) for o in olds[c] if o.party_uid == right.party_uid]
        assert _carried_from(db, right.id) == sorted(sources)
    for m in mortgages:
        (source,) = _carried_from(db, m.id)
        assert source in {o.id for c in (a, b) for o in olds[c] if o.rrr_type == "mortgage"}
    assert _live(db, a) == [] and _live(db, b) == []
    assert {x["type"] for x in _register(client, auth, merged).json()["restrictions"]} == {
        "mortgage"
    }
    entry = db.execute(text("SELECT * FROM journal ORDER BY seq DESC LIMIT 1")).one()
    assert entry.event == "rrr_carried" and entry.payload["from"] == sorted([a, b])
    assert journal.verify(db).ok


def test_merge_of_a_seized_parcel_is_refused_and_changes_nothing(
    client: TestClient, auth: Any, db: Session
) -> None:
    a, b = touching_pair(db, 3)
    for code in (a, b):
        run_case(db, "first_registration", unit_code=code, holders=HALVES)
    run_case(db, "seizure", unit_code=b, source=COURT)
    parcels, register = snapshot(db), register_counts(db)
    r = _merge(client, auth, (a, b))
    assert r.status_code == 409, r.text
    assert b in r.json()["detail"] and "seized" in r.json()["detail"]
    assert snapshot(db) == parcels and register_counts(db) == register


def test_edit_of_unregistered_parcel_touches_no_register(
    client: TestClient, auth: Any, db: Session
) -> None:
    code = touching_pair(db, 4)[0]
    register = register_counts(db)
    r = _split(client, auth, code)
    assert r.status_code == 200, r.text
    assert register_counts(db) == register


def test_boundary_adjustment_keeps_each_units_own_rights(
    client: TestClient, auth: Any, db: Session
) -> None:
    a, b = touching_pair(db, 6)
    run_case(db, "first_registration", unit_code=a, holders=HALVES)
    run_case(db, "mortgage", unit_code=a, mortgage=_mortgage("88000.00", "工商银行"))
    run_case(db, "first_registration", unit_code=b, holders=[CORP])
    ga, gb = (shape(client.get(f"{API}/{c}").json()["geometry"]) for c in (a, b))
    headers = {**auth("registrar"), "If-Match": f"{etag_of(client, a)}, {etag_of(client, b)}"}
    body = {"neighbour": b, "geometry": mapping(ga.buffer(0.00002).intersection(ga.union(gb)))}
    r = client.post(f"{API}/{a}/adjust", json=body, headers=headers)
    assert r.status_code == 200, r.text
    new_a, new_b = (f["id"] for f in r.json()["created"])
    assert sorted(x.rrr_type for x in _live(db, new_a)) == ["mortgage", "use_right", "use_right"]
    (corp,) = _live(db, new_b)
    assert (corp.rrr_type, corp.share_num, corp.share_den) == ("use_right", 1, 1)
    assert _live(db, a) == [] and _live(db, b) == [] and journal.verify(db).ok
