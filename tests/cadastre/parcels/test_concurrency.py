"""Concurrent registrars against committed data in this test run's own database.

Each test commits through separate sessions and restores the register afterwards.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from cadastre import handoff
from cadastre.parcels import codes, service
from cadastre.parcels import repository as repo
from gis.errors import Conflict, PreconditionFailed
from tests.cadastre.parcels.conftest import touching_pair


def _run(target: Any, n: int) -> list[Any]:
    results: list[Any] = [None] * n
    barrier = threading.Barrier(n)

    def work(i: int) -> None:
        barrier.wait()
        try:
            results[i] = target(i)
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test checks
            results[i] = exc

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_many_registrars_allocate_without_gaps_or_duplicates(committed: Engine) -> None:
    with Session(committed) as s:
        subzone = s.execute(text("SELECT min(subzone_code) FROM parcel")).scalar_one()
        top = s.execute(
            text("SELECT max(substr(parcel_code, 15, 5)::int) FROM parcel WHERE subzone_code = :s"),
            {"s": subzone},
        ).scalar_one()

    def allocate(i: int) -> list[int]:
        with Session(committed) as s:
            got = codes.allocate(s, subzone, 3)
            if i == 0:
                s.rollback()  # an abandoned edit hands its numbers back
                return []
            s.commit()
            return got

    results = _run(allocate, 8)
    numbers = sorted(n for r in results for n in r)
    assert numbers == list(range(top + 1, top + 1 + 21))


def test_two_registrars_same_parcel_one_wins(committed: Engine) -> None:
    with Session(committed) as s:
        code, _ = touching_pair(s, 3)
        tag = repo.current(s, code).etag  # type: ignore[union-attr]

    def edit(i: int) -> str:
        with Session(committed) as s:
            result = service.change(s, code, if_match=[tag], actor=f"r{i}", land_use=f"080{i + 1}")
            return result.opened[0].land_use

    results = _run(edit, 2)
    wins = [r for r in results if isinstance(r, str)]
    losses = [r for r in results if isinstance(r, PreconditionFailed)]
    assert len(wins) == 1 and len(losses) == 1
    with Session(committed) as s:
        now = repo.current(s, code)
        assert now is not None and now.land_use == wins[0] and now.version == 2


def test_waiting_registrar_sees_the_committed_split(committed: Engine) -> None:
    """A holds the unit and row locks; B's merge waits, then gets 409 (retired): none lost."""
    with Session(committed) as s:
        code, neighbour = touching_pair(s, 5)
        row = repo.current(s, code)
        assert row is not None
    a = Session(committed)
    handoff.lock_units(a, [code])  # an edit's locks, in its order: the unit's, then the row's
    repo.lock_current(a, [code])
    outcome: list[Any] = []

    def registrar_b() -> None:
        with Session(committed) as b:
            try:
                service.merge(b, [code, neighbour], if_match=[row.etag], actor="conc-b")
            except (Conflict, PreconditionFailed) as exc:
                outcome.append(exc)

    thread = threading.Thread(target=registrar_b)
    thread.start()
    _wait_until_blocked(committed)
    g = a.execute(
        text("SELECT ST_AsGeoJSON(ST_Envelope(geom))::json FROM parcel WHERE id = :i"),
        {"i": row.id},
    ).scalar_one()
    bbox = g["coordinates"][0]
    x = (bbox[0][0] + bbox[2][0]) / 2
    line = {"type": "LineString", "coordinates": [[x, bbox[0][1] - 1e-3], [x, bbox[2][1] + 1e-3]]}
    result = service.split(a, code, if_match=[row.etag], actor="conc-a", line=line)
    a.close()
    thread.join()
    assert len(result.opened) == 2
    assert len(outcome) == 1 and isinstance(outcome[0], Conflict)
    with Session(committed) as s:
        assert (
            s.execute(
                text("SELECT count(*) FROM parcel_edit WHERE actor LIKE 'conc-%'")
            ).scalar_one()
            == 1
        )


def _wait_until_blocked(engine: Engine) -> None:
    """Poll until another backend waits for a row lock (no time limit: the lock is certain)."""
    with Session(engine) as s:
        while not s.execute(
            text(
                "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database())"
            )
        ).scalar_one():
            s.rollback()
            threading.Event().wait(0.05)
