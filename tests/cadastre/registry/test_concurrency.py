"""Two registrars at once: entry of a transfer waits for a seizure being entered on the same
unit and then sees it; concurrent journal appends keep one unbroken chain.

These tests commit (each registrar has its own connection) and remove what they made.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from cadastre.registry import journal, service
from cadastre.registry.errors import UnitSeized
from tests.cadastre.registry.conftest import ALICE, CORP
from tests.cadastre.registry.helpers import cleanup_unit, end_notice, run_case, untouched_unit

COURT = {"kind": "court_order", "title": "(2026)粤1971执9号"}
REGISTRAR = {"actor": "r1", "role": "registrar"}


@pytest.fixture
def committed_unit(engine: Engine) -> Iterator[str]:
    """A registered demo unit, committed; everything made on it is removed afterwards."""
    with Session(engine) as s:
        code = untouched_unit(s, 0)
        seq = s.execute(text("SELECT coalesce(max(seq), 0) FROM journal")).scalar_one()
        try:
            run_case(s, "first_registration", unit_code=code, holders=[dict(ALICE, share="1")])
            s.commit()
            yield code
        finally:
            s.rollback()
            cleanup_unit(s, code, seq, [ALICE["id_number"], CORP["id_number"]])


def _reviewed(engine: Engine, case_type: str, code: str, **req: Any) -> str:
    """A case taken through review by two registrars (r1 may enter it), its required
    document attached and, for a first registration, its public notice ended."""
    with Session(engine) as s:
        number = run_case(s, case_type, through="review", unit_code=code, **req)
        if case_type == "first_registration":
            end_notice(s, number)
        s.commit()
        return number


def _wait_for_lock_waiter(engine: Engine, pid: int) -> None:
    """Block until backend ``pid`` waits on a lock (synchronisation, not a timed assertion)."""
    with engine.connect() as conn:
        for _ in range(600):
            waiting = conn.execute(
                text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :p"),
                {"p": pid},
            ).scalar()
            if waiting:
                return
            time.sleep(0.05)
    raise RuntimeError("the second registrar never waited for the unit lock")


def test_transfer_waits_for_concurrent_seizure_and_is_refused(
    engine: Engine, committed_unit: str
) -> None:
    code = committed_unit
    seizure = _reviewed(engine, "seizure", code, source=COURT)
    transfer = _reviewed(engine, "transfer", code, holders=[CORP])
    first, second = Session(engine), Session(engine)
    outcome: dict[str, Any] = {}
    try:
        service.take_step(first, seizure, "enter", **REGISTRAR)  # holds the unit lock
        pid = second.execute(text("SELECT pg_backend_pid()")).scalar_one()

        def enter_transfer() -> None:
            try:
                service.take_step(second, transfer, "enter", **REGISTRAR)
                second.commit()
                outcome["result"] = "entered"
            except UnitSeized as exc:
                second.rollback()
                outcome["result"] = exc

        worker = threading.Thread(target=enter_transfer)
        worker.start()
        _wait_for_lock_waiter(engine, pid)
        first.commit()
        worker.join()
    finally:
        first.close()
        second.close()
    assert isinstance(outcome["result"], UnitSeized)
    with Session(engine) as s:
        assert service.case_status(s, transfer)["status"] == "reviewed"
        assert service.restrictions_as_of(s, code) == {"seizure"}
        assert journal.verify(s).ok


def test_concurrent_steps_keep_one_journal_chain(engine: Engine, committed_unit: str) -> None:
    numbers = [_reviewed(engine, "objection", committed_unit, holders=[CORP]) for _ in range(4)]
    errors: list[BaseException] = []

    def enter(number: str) -> None:
        try:
            with Session(engine) as s:
                service.take_step(s, number, "enter", **REGISTRAR)
                s.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=enter, args=(n,)) for n in numbers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Session(engine) as s:
        result = journal.verify(s)
        assert result.ok, result.problems
        rows = s.execute(text("SELECT seq FROM journal ORDER BY seq")).scalars().all()
        assert rows == list(range(rows[0], rows[0] + len(rows)))
