"""Helpers of the registry tests: run a case through its steps as a registrar."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Connection, func, select, text
from sqlalchemy.orm import Session

from cadastre.registry import service
from cadastre.registry.models import RRR, BAUnit, JournalEntry, Party, RegCase

# four eyes: accept and enter by one registrar, review by another
STEP_ACTORS = {"accept": "li.wei", "review": "zhang.min", "enter": "li.wei", "issue": "li.wei"}
# a document of the kind each case type requires before acceptance (rules.Material.kinds)
REQUIRED_KIND = {
    "first_registration": "contract",
    "transfer": "contract",
    "advance_notice": "contract",
    "mortgage": "contract",
    "seizure": "court_order",
    "seizure_release": "court_order",
}


def run_case(
    db: Session, case_type: str, *, through: str = "enter", role: str = "registrar", **req: Any
) -> str:
    """Submit a case and take it through accept, review, enter (and issue if asked), as
    two registrars (four eyes), with the required document attached and a first
    registration's public notice ended before entry."""
    note = req.pop("note", "")
    req.setdefault("source", required_source(case_type))
    case = service.open_case(
        db, case_type_code=case_type, submitted_by="li.wei", role=role, request=req, note=note
    )
    steps = ("submit", "accept", "review", "enter", "issue")
    assert through in steps, through
    for step in steps[1 : steps.index(through) + 1]:
        if step == "enter" and case_type == "first_registration":
            end_notice(db, case.public_number)
        service.take_step(db, case.public_number, step, actor=STEP_ACTORS[step], role="registrar")
    return case.public_number


def required_source(case_type: str) -> dict[str, Any]:
    """A source dict that satisfies the case type's required material."""
    kind = REQUIRED_KIND.get(case_type, "other")
    title = f"{case_type} 材料 document"
    sha = hashlib.sha256(title.encode()).hexdigest()
    return {"kind": kind, "title": title, "sha256": sha, "path": None}


def end_notice(session_or_conn: Session | Connection, public_number: str) -> None:
    """End the public notice of a reviewed first registration now (one UPDATE), so the
    case may be entered; fails if the case has no notice."""
    done = session_or_conn.execute(
        text(
            "UPDATE reg_notice SET starts_at = starts_at - interval '40 days', "
            "ends_at = clock_timestamp() - interval '1 millisecond' "
            "WHERE case_id = (SELECT id FROM reg_case WHERE public_number = :n)"
        ),
        {"n": public_number},
    )
    assert done.rowcount == 1, f"case {public_number} has no public notice"  # type: ignore[attr-defined]


def register_counts(db: Session) -> dict[str, int]:
    """Row counts of every registry table: 'nothing changed' is an equal dict."""
    return {
        m.__tablename__: int(db.scalar(select(func.count()).select_from(m)) or 0)
        for m in (RRR, BAUnit, Party, RegCase, JournalEntry)
    }


def free_square(db: Session, side_deg: float = 0.00005) -> dict[str, Any]:
    """A small square (GeoJSON, EPSG:4490) inside a subzone, clear of every current parcel."""
    from sqlalchemy import text

    x, y = db.execute(
        text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(ST_Difference(s.geom, "
            "(SELECT ST_Union(ST_Buffer(geom, 0.0002)) FROM parcel WHERE end_lifespan IS NULL "
            "AND geom && s.geom))) AS p FROM cadastral_subzone s ORDER BY code LIMIT 1) q"
        )
    ).one()
    x, y, d = float(x), float(y), side_deg
    ring = [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def cleanup_unit(session: Session, code: str, seq: int, id_numbers: list[str]) -> None:
    """Remove every committed registry row made on ``code`` and journal entries after ``seq``."""
    cases = "SELECT id FROM reg_case WHERE unit_code = :c"
    params: dict[str, Any] = {"c": code, "s": seq, "ids": id_numbers}
    for sql in (
        f"DELETE FROM certificate WHERE case_id IN ({cases})",
        f"DELETE FROM case_step WHERE case_id IN ({cases})",
        "DELETE FROM reg_notice_objection WHERE notice_id IN "
        f"(SELECT id FROM reg_notice WHERE case_id IN ({cases}))",
        f"DELETE FROM reg_notice WHERE case_id IN ({cases})",
        "DELETE FROM rrr WHERE unit_code = :c",
    ):
        session.execute(text(sql), params)
    sources = (
        session.execute(
            text(f"DELETE FROM case_document WHERE case_id IN ({cases}) RETURNING source_id"),
            params,
        )
        .scalars()
        .all()
    )
    session.execute(text("DELETE FROM source WHERE id = ANY(:ids)"), {"ids": list(sources)})
    for sql in (
        "DELETE FROM reg_case WHERE unit_code = :c",
        "DELETE FROM baunit WHERE unit_code = :c",
        "DELETE FROM party WHERE id_number = ANY(:ids)",
        "DELETE FROM journal WHERE seq > :s",
    ):
        session.execute(text(sql), params)
    revert_parcels(session, [code])
    session.commit()


EDITS_SQL = """
SELECT DISTINCT l.edit_id FROM parcel_lineage l JOIN parcel p ON p.id = l.child_id
WHERE p.unit_code = ANY(:u) AND p.version > 1
"""


def revert_parcels(session: Session, codes: list[str]) -> None:
    """Put the parcels ``codes`` back to their first (demo) version: entering a first
    registration or a cancellation made new versions (the status follows the register)."""
    edits = list(session.execute(text(EDITS_SQL), {"u": codes}).scalars())
    p: dict[str, Any] = {"u": codes, "e": edits}
    for sql in (
        "DELETE FROM parcel_lineage WHERE edit_id = ANY(:e)",
        "DELETE FROM parcel_edit WHERE id = ANY(:e)",
        "DELETE FROM parcel WHERE unit_code = ANY(:u) AND version > 1",
        "UPDATE parcel SET end_lifespan = NULL WHERE unit_code = ANY(:u) AND version = 1",
    ):
        session.execute(text(sql), p)


UNTOUCHED_SQL = """
SELECT p.unit_code FROM parcel p
WHERE p.end_lifespan IS NULL AND p.reg_status = 'unregistered'
  AND NOT EXISTS (SELECT 1 FROM baunit b WHERE b.unit_code = p.unit_code)
  AND NOT EXISTS (SELECT 1 FROM reg_case c WHERE c.unit_code = p.unit_code)
ORDER BY p.id DESC OFFSET :k LIMIT 1
"""


def untouched_unit(session: Session, k: int) -> str:
    """The unit code of a current demo parcel awaiting first registration (for committed tests)."""
    code: str = session.execute(text(UNTOUCHED_SQL), {"k": k}).scalar_one()
    return code


def officer(db: Session, username: str) -> dict[str, str]:
    """Bearer headers of a registrar named ``username`` (made once per test session)."""
    from gis.auth.models import User
    from gis.auth.service import add_user, issue_token

    user = db.scalar(select(User).where(User.username == username))
    if user is None:
        user = add_user(db, username, "correct horse battery", "registrar", username)
    return {"Authorization": f"Bearer {issue_token(user)}"}


# the registrars of http_steps: reg-a accepts, enters and issues; reg-b reviews
HTTP_ACTORS = {"accept": "reg-a", "review": "reg-b", "enter": "reg-a", "issue": "reg-a"}


def http_steps(client: Any, db: Session, number: str, *steps: str) -> Any:
    """Take ``steps`` over HTTP as two registrars (four eyes), ending a first
    registration's notice before entry; asserts each step is 200 and returns the last."""
    r = None
    for step in steps:
        if step == "enter":
            noticed = db.execute(
                text(
                    "SELECT count(*) FROM reg_notice n JOIN reg_case c ON c.id = n.case_id "
                    "WHERE c.public_number = :n"
                ),
                {"n": number},
            ).scalar_one()
            if noticed:
                end_notice(db, number)
                db.commit()  # as a request would (the test's outer transaction rolls back)
        headers = officer(db, HTTP_ACTORS.get(step, "reg-a"))
        r = client.post(f"/api/v1/cases/{number}/steps", json={"step": step}, headers=headers)
        assert r.status_code == 200, r.text
    return r


# The one-owner constraint trigger off for the rest of a transaction (owner's DDL, no
# superuser needed): to plant a defect on purpose, or to clean up around one. Turn it on
# again (TRIGGER_ON) before that transaction commits, or it stays off for everyone.
TRIGGER_OFF = "ALTER TABLE rrr DISABLE TRIGGER rrr_one_owner"
TRIGGER_ON = "ALTER TABLE rrr ENABLE TRIGGER rrr_one_owner"
