"""Competing cases entered at the same instant through the real server (``live_server``).

Each trial brings N cases of one unit to the state where they can be entered, then N
threads, each a different registrar, release together at a barrier and POST ``enter``.
Exactly one must succeed; every other gets a 409 naming the unit; the register then
holds exactly the winner's right and nothing of the losers (their cases stay reviewed).

Accept, review and enter are taken by different registrar accounts. The units are kept
for this module (none another test picks) and every committed row is removed at the end.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from cadastre.registry import journal, service
from cadastre.registry.identity import id_card_check_char
from gis.auth.service import add_user, issue_token
from tests.cadastre.registry.helpers import end_notice, required_source, revert_parcels

TRIALS = 50
# first registrations race on these (fresh) units; one more unit takes the transfers
UNITS_SQL = """
SELECT p.unit_code FROM parcel p WHERE p.end_lifespan IS NULL AND p.reg_status = 'unregistered'
  AND NOT EXISTS (SELECT 1 FROM baunit b WHERE b.unit_code = p.unit_code)
  AND NOT EXISTS (SELECT 1 FROM reg_case c WHERE c.unit_code = p.unit_code)
ORDER BY p.id DESC OFFSET 30 LIMIT :n
"""


def _holder(i: int) -> dict[str, str]:
    first17 = f"44190019800101{i:03d}"
    return {
        "kind": "natural",
        "name": f"竞争买受人{i:03d}",
        "id_number": first17 + id_card_check_char(first17),
        "share": "1",
    }


BUYERS = [_holder(i) for i in range(1, 9)]
SELLER = _holder(0)


@dataclass
class Desk:
    """The registrars of the race: one accepts, one reviews, eight enter (one each)."""

    tag: str
    enterers: list[httpx.Client]  # one registrar each, connections kept open

    @property
    def accepter(self) -> str:
        return f"race-accept-{self.tag}"

    @property
    def reviewer(self) -> str:
        return f"race-review-{self.tag}"


def ready_to_enter(session: Session, desk: Desk, case_type: str, request: dict[str, Any]) -> str:
    """Bring a case to the state where it can be entered (submitted, accepted, reviewed,
    each by a different registrar, with the case type's required document attached and a
    first registration's public notice ended); returns its number. The caller commits."""
    request = {"source": required_source(case_type), **request}
    case = service.open_case(
        session,
        case_type_code=case_type,
        submitted_by=f"race-clerk-{desk.tag}",
        role="registrar",
        request=request,
    )
    number = case.public_number
    service.take_step(session, number, "accept", actor=desk.accepter, role="registrar")
    service.take_step(session, number, "review", actor=desk.reviewer, role="registrar")
    if case_type == "first_registration":
        end_notice(session, number)
    return number


@pytest.fixture(scope="module")
def race(engine: Engine, live_server: str) -> Iterator[tuple[Desk, list[str]]]:
    """The registrars (committed users) and 2 x TRIALS + 1 units; removed afterwards."""
    tag = uuid.uuid4().hex[:8]
    with Session(engine) as s:
        seq = s.execute(text("SELECT coalesce(max(seq), 0) FROM journal")).scalar_one()
        units = list(s.execute(text(UNITS_SQL), {"n": 2 * TRIALS + 1}).scalars())
        assert len(units) == 2 * TRIALS + 1, "the test district has too few free parcels"
        users = [f"race-enter-{i}-{tag}" for i in range(8)]
        tokens = [issue_token(add_user(s, u, "correct horse battery", "registrar")) for u in users]
        s.commit()
    clients = [
        httpx.Client(base_url=live_server, timeout=60, headers={"Authorization": f"Bearer {t}"})
        for t in tokens
    ]
    try:
        for c in clients:
            assert c.get("/health").status_code == 200  # connections open before any race
        yield Desk(tag, clients), units
    finally:
        for c in clients:
            c.close()
        with Session(engine) as s:
            _remove(s, units, seq, users)


def _remove(s: Session, units: list[str], seq: int, users: list[str]) -> None:
    """Delete every row the race committed: cases, steps, rights, units, parties, parcel
    versions made by first registrations, journal entries, the registrar accounts."""
    cases = "SELECT id FROM reg_case WHERE unit_code = ANY(:u)"
    p = {"u": units, "s": seq, "users": users, "ids": [h["id_number"] for h in [SELLER, *BUYERS]]}
    for sql in (
        f"DELETE FROM certificate WHERE case_id IN ({cases})",
        f"DELETE FROM case_step WHERE case_id IN ({cases})",
        "DELETE FROM reg_notice_objection WHERE notice_id IN "
        f"(SELECT id FROM reg_notice WHERE case_id IN ({cases}))",
        f"DELETE FROM reg_notice WHERE case_id IN ({cases})",
        f"DELETE FROM case_document WHERE case_id IN ({cases})",
        "DELETE FROM rrr WHERE unit_code = ANY(:u)",
        "DELETE FROM reg_case WHERE unit_code = ANY(:u)",
        "DELETE FROM baunit WHERE unit_code = ANY(:u)",
        "DELETE FROM party WHERE id_number = ANY(:ids)",
        "DELETE FROM journal WHERE seq > :s",
        "DELETE FROM app_user WHERE username = ANY(:users)",
    ):
        s.execute(text(sql), p)
    revert_parcels(s, units)
    s.commit()


def _enter_at_once(desk: Desk, numbers: list[str]) -> list[Any]:
    """POST ``enter`` for every case at the same instant, each as another registrar."""
    barrier = threading.Barrier(len(numbers))
    out: list[Any] = [None] * len(numbers)

    def enter(i: int) -> None:
        try:
            barrier.wait()
            url = f"/api/v1/cases/{numbers[i]}/steps"
            out[i] = desk.enterers[i].post(url, json={"step": "enter"})
        except BaseException as exc:  # reported by the assertion on out
            out[i] = exc

    threads = [threading.Thread(target=enter, args=(i,)) for i in range(len(numbers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def _one_winner(code: str, numbers: list[str], replies: list[Any]) -> str:
    """Exactly one 200; every other a 409 problem naming the unit; returns the winner."""
    assert all(isinstance(r, httpx.Response) for r in replies), replies
    won = [n for n, r in zip(numbers, replies, strict=True) if r.status_code == 200]
    lost = [r for r in replies if r.status_code != 200]
    assert len(won) == 1, [(r.status_code, r.text[:200]) for r in replies]
    for r in lost:
        assert r.status_code == 409, r.text
        problem = r.json()
        assert code in problem["detail"] and problem["field"] == "unit_code", problem
    return won[0]


TRIAL_SQL = """
SELECT c.public_number, c.status,
       (SELECT array_agg(r.share_num || '/' || r.share_den) FROM rrr r
        WHERE r.case_id = c.id) AS made,
       (SELECT array_agg(r.share_num || '/' || r.share_den) FROM rrr r WHERE r.case_id = c.id
          AND r.end_lifespan IS NULL) AS current
FROM reg_case c WHERE c.public_number = ANY(:n)
"""
CURRENT_SQL = """
SELECT count(*) FROM rrr WHERE unit_code = :c AND kind = 'right' AND end_lifespan IS NULL
"""


def _only_winner_changed(s: Session, code: str, numbers: list[str], winner: str) -> None:
    """The unit's one current right is the winner's; the losers' cases made nothing and
    are still reviewed (read in a fresh snapshot of what the server committed)."""
    s.rollback()
    rows = {r.public_number: r for r in s.execute(text(TRIAL_SQL), {"n": numbers})}
    assert rows[winner].status == "entered" and rows[winner].current == ["1/1"]
    for n in numbers:
        if n != winner:
            assert (rows[n].status, rows[n].made) == ("reviewed", None), n
    assert s.execute(text(CURRENT_SQL), {"c": code}).scalar_one() == 1


@pytest.mark.parametrize("competitors", [2, 8])
def test_competing_first_registrations(
    engine: Engine, race: tuple[Desk, list[str]], competitors: int
) -> None:
    desk, units = race
    mine = units[:TRIALS] if competitors == 2 else units[TRIALS : 2 * TRIALS]
    with Session(engine) as s:
        trials = [
            (
                code,
                [
                    ready_to_enter(
                        s, desk, "first_registration", {"unit_code": code, "holders": [b]}
                    )
                    for b in BUYERS[:competitors]
                ],
            )
            for code in mine
        ]
        s.commit()
        for code, numbers in trials:
            winner = _one_winner(code, numbers, _enter_at_once(desk, numbers))
            _only_winner_changed(s, code, numbers, winner)
        assert journal.verify(s).ok


@pytest.mark.parametrize("competitors", [2, 8])
def test_competing_transfers_of_one_right(
    engine: Engine, race: tuple[Desk, list[str]], competitors: int
) -> None:
    """Every trial's transfers are accepted while the last trial's winner holds the unit."""
    desk, units = race
    code = units[-1]
    with Session(engine) as s:
        if not s.execute(text(CURRENT_SQL), {"c": code}).scalar_one():
            first = ready_to_enter(
                s, desk, "first_registration", {"unit_code": code, "holders": [SELLER]}
            )
            s.commit()
            assert _one_winner(code, [first], _enter_at_once(desk, [first])) == first
        for _ in range(TRIALS):
            numbers = [
                ready_to_enter(s, desk, "transfer", {"unit_code": code, "holders": [b]})
                for b in BUYERS[:competitors]
            ]
            s.commit()
            winner = _one_winner(code, numbers, _enter_at_once(desk, numbers))
            _only_winner_changed(s, code, numbers, winner)
        assert journal.verify(s).ok
