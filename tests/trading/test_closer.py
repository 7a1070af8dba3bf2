"""Listings close by themselves: the background closer of each server process.

The data is committed (closers use their own sessions). A trigger made for the test
records every status change of a listing with the database backend that made it, so
"closed exactly once" is read from the database, not from the closers' own answers.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from gis.auth.models import User
from gis.auth.roles import Role
from gis.auth.service import Principal, add_user
from gis.db import Database, transaction
from gis.settings import REPO_ROOT, Settings
from tests.conftest import _wait_healthy, free_port, server_env, server_log
from tests.trading.conftest import published, registered, terms
from trading import bidding, closer, service
from trading.roles import BIDDER, CASHIER

WINNING_BID = Decimal("1060000.00")  # above the reserve of terms(): the first listing sells


@dataclass
class Due:
    """Committed listings (挂牌) whose bidding ends shortly; the first has a winning bid."""

    ids: list[int]
    user_ids: list[int]
    winner_registration: int
    deadline: Any


def _due_listings(engine: Engine, parcels: list[tuple[str, str]], tag: str) -> Due:
    """Commit one listing per parcel, all bidding ending 8 s from now; bid on the first
    at once (the others may be due by the time they are published: that is fine)."""
    from trading import clock

    now = clock.now()
    window: dict[str, Any] = {
        "now": now,
        "opens_in": -timedelta(days=11),
        "runs": timedelta(days=11, seconds=8),  # set-up under load takes seconds
    }
    with Session(engine, expire_on_commit=False) as session:
        reg = add_user(session, f"{tag}-reg", "correct horse battery", "registrar")
        buyer = User(username=f"{tag}-b", role="bidder", password_hash=reg.password_hash)
        teller = User(username=f"{tag}-c", role="cashier", password_hash=reg.password_hash)
        session.add_all([buyer, teller])
        session.commit()
        registrar = Principal(reg.id, reg.username, Role.REGISTRAR)
        bidder = Principal(buyer.id, buyer.username, BIDDER)
        cashier = Principal(teller.id, teller.username, CASHIER)
        with transaction(session):
            first = published(session, registrar, terms([parcels[0][0]], parcels[0][1], **window))
            registered(session, first, bidder, cashier=cashier)
            bidding.place_bid(session, first.id, WINNING_BID, bidder)
        winner = session.execute(
            text("SELECT id FROM trading_registration WHERE listing_id = :id"), {"id": first.id}
        ).scalar_one()
        with transaction(session):
            rest = [
                published(session, registrar, terms([c], lu, **window)) for c, lu in parcels[1:]
            ]
    ids = [first.id, *(x.id for x in rest)]
    return Due(ids, [reg.id, buyer.id, teller.id], int(winner), first.deadline)


def _remove(engine: Engine, due: Due) -> None:
    with Session(engine) as session:
        session.execute(text("DELETE FROM trading_listing WHERE id = ANY(:ids)"), {"ids": due.ids})
        session.execute(text("DELETE FROM app_user WHERE id = ANY(:ids)"), {"ids": due.user_ids})
        session.commit()


def _wait_until_due(due: Due) -> None:
    from trading import clock

    left = (due.deadline - clock.now()).total_seconds()
    time.sleep(max(0.0, left) + 0.2)


AUDIT_SQL = [
    "CREATE TABLE test_close_audit (listing_id bigint, status text, backend int, "
    "at timestamptz DEFAULT clock_timestamp())",
    "CREATE FUNCTION test_close_audit_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO test_close_audit (listing_id, status, backend) "
    "VALUES (NEW.id, NEW.status, pg_backend_pid()); RETURN NEW; END $$",
    "CREATE TRIGGER test_close_audit AFTER UPDATE ON trading_listing FOR EACH ROW "
    "WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION test_close_audit_row()",
]


@pytest.fixture
def audit(engine: Engine) -> Iterator[None]:
    """Record each status change of a listing (and the backend that made it) during the test."""
    with engine.begin() as conn:
        for sql in AUDIT_SQL:
            conn.execute(text(sql))
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TRIGGER test_close_audit ON trading_listing"))
            conn.execute(text("DROP FUNCTION test_close_audit_row()"))
            conn.execute(text("DROP TABLE test_close_audit"))


def _closings(engine: Engine, ids: list[int]) -> dict[int, int]:
    """How many times each listing changed to closed (per the trigger)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT listing_id, count(*) FROM test_close_audit "
                "WHERE status = 'closed' AND listing_id = ANY(:ids) GROUP BY listing_id"
            ),
            {"ids": ids},
        ).all()
    return {int(r[0]): int(r[1]) for r in rows}


def _outcomes(engine: Engine, ids: list[int]) -> dict[int, tuple[Any, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, status, outcome, final_price, winner_registration_id, "
                "closed_at >= deadline FROM trading_listing WHERE id = ANY(:ids)"
            ),
            {"ids": ids},
        ).all()
    return {int(r[0]): tuple(r[1:]) for r in rows}


def _assert_closed_once(engine: Engine, due: Due) -> None:
    assert _closings(engine, due.ids) == {i: 1 for i in due.ids}
    outcomes = _outcomes(engine, due.ids)
    first, *rest = due.ids
    assert outcomes[first] == ("closed", "sold", WINNING_BID, due.winner_registration, True)
    for i in rest:
        assert outcomes[i] == ("closed", "no_sale", None, None, True), outcomes[i]


def test_two_closers_at_once_close_each_listing_exactly_once(  # type: ignore[no-untyped-def]
    engine: Engine, database: Database, free_parcels, audit: None
) -> None:
    due = _due_listings(engine, free_parcels[30:38], "close2")
    try:
        _wait_until_due(due)
        start = threading.Barrier(2)

        def one_closer() -> closer.DueClosing:
            start.wait()
            return closer.close_pass(database)

        with ThreadPoolExecutor(max_workers=2) as pool:
            a, b = (f.result() for f in [pool.submit(one_closer) for _ in range(2)])
        closed_a = [x.id for x in a.closed if x.id in due.ids]
        closed_b = [x.id for x in b.closed if x.id in due.ids]
        assert not a.failed and not b.failed  # the second closer skipped, it did not fail
        assert sorted(closed_a + closed_b) == sorted(due.ids)  # each by exactly one closer
        _assert_closed_once(engine, due)
        assert closer.close_pass(database).closed == []  # nothing is due any more
    finally:
        _remove(engine, due)


def test_a_listing_that_fails_to_close_does_not_stop_the_others(  # type: ignore[no-untyped-def]
    engine: Engine,
    database: Database,
    free_parcels,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    due = _due_listings(engine, free_parcels[30:33], "closefail")
    real = service.close_listing
    broken = due.ids[1]

    def close_listing(session: Session, listing_id: int, now: Any = None) -> Any:
        if listing_id == broken:
            session.execute(
                text("UPDATE trading_listing SET outcome = 'x' WHERE id = :id"), {"id": listing_id}
            )
            raise RuntimeError("disk full")  # half-way: the change above must be rolled back
        return real(session, listing_id, now)

    monkeypatch.setattr(service, "close_listing", close_listing)
    try:
        _wait_until_due(due)
        done = closer.close_pass(database)
        assert done.failed == [broken]
        assert sorted(x.id for x in done.closed if x.id in due.ids) == [due.ids[0], due.ids[2]]
        assert _outcomes(engine, [broken])[broken][:2] == ("published", None)  # rolled back
        assert f"could not close listing {broken}" in caplog.text and "disk full" in caplog.text
        monkeypatch.setattr(service, "close_listing", real)
        assert [x.id for x in closer.close_pass(database).closed if x.id in due.ids] == [broken]
    finally:
        _remove(engine, due)


def _run_loop(
    database: Database, interval: float, until: Any, timeout: float = 20
) -> asyncio.Task[None]:
    """Run closer.run(interval) on a fresh loop in a thread until ``until()``; the task."""

    async def main() -> asyncio.Task[None]:
        task = asyncio.create_task(closer.run(database, interval))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not until() and not task.done():
            await asyncio.sleep(0.05)
        alive = not task.done()
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        assert alive, "the closer loop ended by itself"
        return task

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


def test_closer_loop_survives_a_failed_pass(  # type: ignore[no-untyped-def]
    engine: Engine,
    database: Database,
    free_parcels,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    due = _due_listings(engine, free_parcels[30:32], "closeloop")
    calls: list[int] = []
    real = closer.close_due

    def flaky(session: Session, now: Any = None) -> closer.DueClosing:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return real(session, now)

    monkeypatch.setattr(closer, "close_due", flaky)
    try:
        _wait_until_due(due)
        _run_loop(database, 0.05, lambda: set(_closings_or_status(engine, due.ids)) == {"closed"})
        assert len(calls) >= 2
        assert "the listing closer failed" in caplog.text and "database went away" in caplog.text
        assert set(_closings_or_status(engine, due.ids)) == {"closed"}
    finally:
        _remove(engine, due)


def _closings_or_status(engine: Engine, ids: list[int]) -> list[str]:
    return [row[0] for row in _outcomes(engine, ids).values()]


def test_interval_zero_turns_the_closer_off(database: Database) -> None:
    async def main() -> bool:
        await asyncio.wait_for(
            closer.run(database, 0), timeout=1
        )  # returns at once instead of looping
        return True

    with ThreadPoolExecutor(max_workers=1) as pool:  # Playwright may own this thread's loop
        assert pool.submit(asyncio.run, main()).result()


def test_a_two_worker_server_closes_due_listings_once(  # type: ignore[no-untyped-def]
    engine: Engine, settings: Settings, free_parcels, audit: None
) -> None:
    port = free_port()
    env = server_env(settings, port, LANDGIS_WORKERS="2", LANDGIS_TRADING_CLOSE_INTERVAL_S="0.3")
    log_path = server_log(settings, "closer-server")
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "landgis", "serve"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
        )
        due: Due | None = None
        try:
            _wait_healthy(f"http://127.0.0.1:{port}", proc)
            due = _due_listings(engine, free_parcels[30:36], "closelive")
            ids = due.ids
            limit = time.monotonic() + 30
            while time.monotonic() < limit and set(_closings_or_status(engine, ids)) != {"closed"}:
                time.sleep(0.2)
            time.sleep(1.0)  # several more passes of both workers: nothing closes twice
            _assert_closed_once(engine, due)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            if due is not None:
                _remove(engine, due)
    output = log_path.read_text()
    assert "Traceback" not in output and "could not close" not in output, output[-3000:]
    assert output.count("Application startup complete") == 2  # both workers served
    closed = re.findall(r"^\S+ \S+ INFO trading\.closer: closed listing (\d+) ", output, re.M)
    assert sorted(map(int, closed)) == sorted(ids)  # the workers' app loggers reach the log


def test_cli_close_due_uses_the_same_claims(engine: Engine, free_parcels) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from trading.cli import app

    due = _due_listings(engine, free_parcels[30:32], "closecli")
    try:
        _wait_until_due(due)
        first = CliRunner().invoke(app, ["close", "--due"])
        assert first.exit_code == 0, first.output
        assert f"{due.ids[0]} " in first.output and ": sold" in first.output
        assert f"{due.ids[1]} " in first.output and ": no_sale" in first.output
        again = CliRunner().invoke(app, ["close", "--due"])
        assert again.exit_code == 0 and str(due.ids[0]) not in again.output
    finally:
        _remove(engine, due)
