"""A split while a court's seizure is being entered on the same unit: the split waits for
the entry and then carries the seizure to every part (nothing stays on the retired unit).

Commits through separate sessions in this run's own database and removes what it made.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from shapely.geometry import LineString, mapping, shape
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from cadastre.parcels import repository as parcels_repo
from cadastre.parcels import service as parcels
from cadastre.registry import journal, service
from tests.cadastre.parcels.conftest import committed, touching_pair
from tests.cadastre.registry.conftest import ALICE, BOB
from tests.cadastre.registry.helpers import TRIGGER_OFF, TRIGGER_ON
from tests.cadastre.registry.test_concurrency import _reviewed, _wait_for_lock_waiter

COURT = {"kind": "court_order", "title": "(2026)粤1971执88号"}
REGISTRAR = {"actor": "r1", "role": "registrar"}
__all__ = ["committed"]  # the parcels' fixture that restores parcels and edits
MARKS = {
    "rrr": "SELECT coalesce(max(id), 0) FROM rrr",
    "baunit": "SELECT coalesce(max(id), 0) FROM baunit",
    "reg_case": "SELECT coalesce(max(id), 0) FROM reg_case",
    "source": "SELECT coalesce(max(id), 0) FROM source",
    "journal": "SELECT coalesce(max(seq), 0) FROM journal",
}
CLEANUP = [
    "DELETE FROM rrr_carry WHERE to_id > :rrr",
    "DELETE FROM certificate WHERE case_id > :reg_case",
    "DELETE FROM case_step WHERE case_id > :reg_case",
    "DELETE FROM reg_notice_objection WHERE notice_id IN "
    "(SELECT id FROM reg_notice WHERE case_id > :reg_case)",
    "DELETE FROM reg_notice WHERE case_id > :reg_case",
    "DELETE FROM case_document WHERE case_id > :reg_case",
    "DELETE FROM rrr WHERE id > :rrr",
    "DELETE FROM source WHERE id > :source",
    "DELETE FROM reg_case WHERE id > :reg_case",
    "DELETE FROM baunit WHERE id > :baunit",
    "UPDATE rrr SET end_lifespan = NULL WHERE end_lifespan >= :t0",
    "UPDATE baunit SET end_lifespan = NULL WHERE end_lifespan >= :t0",
    "DELETE FROM party WHERE id_number = ANY(:ids)",
    "DELETE FROM journal WHERE seq > :journal",
]


@pytest.fixture
def registered(committed: Engine) -> Iterator[str]:
    """A parcel registered to two holders, committed; the register is restored afterwards
    (the parcels' own ``committed`` fixture then restores parcels and edits)."""
    with Session(committed) as s:
        marks = {k: s.execute(text(sql)).scalar_one() for k, sql in MARKS.items()}
        t0 = service.clock(s)
        code = touching_pair(s, 5)[0]
    try:
        with Session(committed) as s:
            number = _reviewed(
                committed, "first_registration", code, holders=[dict(ALICE), dict(BOB)]
            )
            service.take_step(s, number, "enter", **REGISTRAR)
            s.commit()
        yield code
    finally:
        with Session(committed) as s:
            # the parts' parcels still show the rights removed here until the parcels'
            # fixture removes them next: the one-owner trigger stays off for this cleanup
            s.execute(text(TRIGGER_OFF))  # on again before the commit (see TRIGGER_ON)
            params = {**marks, "t0": t0, "ids": [ALICE["id_number"], BOB["id_number"]]}
            for sql in CLEANUP:
                s.execute(text(sql), params)
            s.execute(text(TRIGGER_ON))
            s.commit()


def _cut(s: Session, code: str) -> dict[str, Any]:
    row = parcels_repo.current(s, code)
    assert row is not None
    g = shape(row.geometry)
    minx, miny, maxx, maxy = g.bounds
    x = g.centroid.x
    return dict(mapping(LineString([(x, miny - 0.001), (x, maxy + 0.001)])))


def test_split_waits_for_a_seizure_being_entered_and_carries_it(
    committed: Engine, registered: str
) -> None:
    code = registered
    seizure = _reviewed(committed, "seizure", code, source=COURT)
    first, second = Session(committed), Session(committed)
    outcome: dict[str, Any] = {}
    try:
        row = parcels_repo.current(second, code)
        assert row is not None
        line, etag = _cut(second, code), row.etag
        second.rollback()
        service.take_step(first, seizure, "enter", **REGISTRAR)  # holds the unit lock
        pid = second.execute(text("SELECT pg_backend_pid()")).scalar_one()

        def split() -> None:
            try:
                outcome["result"] = parcels.split(
                    second, code, if_match=[etag], actor="r2", line=line
                )
            except Exception as exc:  # noqa: BLE001 - the outcome is what the test checks
                outcome["result"] = exc

        worker = threading.Thread(target=split)
        worker.start()
        _wait_for_lock_waiter(committed, pid)
        first.commit()
        worker.join()
    finally:
        first.close()
        second.close()
    result = outcome["result"]
    assert isinstance(result, parcels.EditResult), result
    children = [r.unit_code for r in result.opened]
    with Session(committed) as s:
        assert service.restrictions_as_of(s, code) == set()
        for child in children:
            assert service.restrictions_as_of(s, child) == {"seizure"}
        assert journal.verify(s).ok
