"""The hash-chained journal: every event appended, a row changed in the DB is named."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cadastre.cli import app as cadastre_cli
from cadastre.registry import journal
from tests.cadastre.registry.helpers import run_case


def test_events_are_chained(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    run_case(db, "first_registration", unit_code=unit_codes[0], holders=holders)
    rows = db.execute(text("SELECT seq, event, prev_hash, hash FROM journal ORDER BY seq")).all()
    assert [r.event for r in rows][-4:] == [
        "case_submitted",
        "case_accepted",
        "case_reviewed",
        "case_entered",
    ]
    for before, after in zip(rows, rows[1:], strict=False):
        assert after.prev_hash == before.hash and after.seq == before.seq + 1
    assert journal.verify(db).ok


def test_journal_holds_no_names_or_id_numbers(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    run_case(db, "first_registration", unit_code=unit_codes[1], holders=holders)
    dump = " ".join(str(p) for p in db.execute(text("SELECT payload FROM journal")).scalars())
    for h in holders:
        assert h["name"] not in dump and h["id_number"] not in dump


def test_changed_row_is_detected_and_named_by_api(
    client: TestClient, db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    run_case(db, "first_registration", unit_code=unit_codes[2], holders=holders)
    assert client.get("/api/v1/journal/verify").json()["ok"] is True
    seq = db.execute(text("SELECT min(seq) + 1 FROM journal")).scalar_one()
    db.execute(
        text(
            "UPDATE journal SET payload = jsonb_set(payload, '{case_type}', '\"transfer\"') "
            "WHERE seq = :s"
        ),
        {"s": seq},
    )
    report = client.get("/api/v1/journal/verify").json()
    assert report["ok"] is False
    assert report["problems"][0]["seq"] == seq
    assert f"journal entry {seq}" in report["problems"][0]["reason"]


def test_deleted_row_is_detected(
    db: Session, unit_codes: list[str], holders: list[dict[str, Any]]
) -> None:
    run_case(db, "first_registration", unit_code=unit_codes[3], holders=holders)
    last = db.execute(text("SELECT max(seq) FROM journal")).scalar_one()
    db.execute(text("DELETE FROM journal WHERE seq = :s"), {"s": last - 1})
    result = journal.verify(db)
    assert not result.ok and result.problems[0]["seq"] == last


@pytest.fixture
def committed_journal(engine: Engine) -> Iterator[Session]:
    """Journal rows committed for the CLI (which opens its own session); removed afterwards."""
    session = Session(engine)
    try:
        journal.append(session, "test_event", {"n": 1})
        journal.append(session, "test_event", {"n": 2})
        journal.append(session, "test_event", {"n": 3})
        session.commit()
        yield session
    finally:
        session.rollback()
        session.execute(text("DELETE FROM journal WHERE event = 'test_event'"))
        session.commit()
        session.close()


def test_cli_verify_names_changed_row(committed_journal: Session) -> None:
    runner = CliRunner()
    ok = runner.invoke(cadastre_cli, ["verify"])
    assert ok.exit_code == 0 and "journal OK" in ok.output
    seq = committed_journal.execute(
        text("SELECT seq FROM journal WHERE payload->>'n' = '2'")
    ).scalar_one()
    committed_journal.execute(
        text("UPDATE journal SET payload = '{\"n\": 20}' WHERE seq = :s"), {"s": seq}
    )
    committed_journal.commit()
    bad = runner.invoke(cadastre_cli, ["verify"])
    assert bad.exit_code == 1
    assert f"journal entry {seq}: content changed" in bad.output


def test_canonical_json_is_key_order_independent() -> None:
    a = journal.canonical_json({"b": 1, "a": [1, "王"]})
    assert a == journal.canonical_json({"a": [1, "王"], "b": 1})
    assert a == '{"a":[1,"王"],"b":1}'.encode()


def _chain(payloads: list[dict[str, Any]]) -> list[SimpleNamespace]:
    rows, prev = [], journal.GENESIS
    for seq, payload in enumerate(payloads, start=1):
        at = f"2026-11-26T00:00:{seq % 60:02d}.000000+00:00"
        digest = journal.entry_hash(seq, at, "e", None, None, payload, prev)
        rows.append(
            SimpleNamespace(
                seq=seq,
                at=at,
                event="e",
                public_number=None,
                unit_code=None,
                payload=payload,
                prev_hash=prev,
                hash=digest,
            )
        )
        prev = digest
    return rows


PAYLOADS = st.lists(
    st.dictionaries(
        st.text(min_size=1, max_size=5), st.integers() | st.text(max_size=8), max_size=3
    ),
    min_size=2,
    max_size=30,
)


@given(PAYLOADS, st.data())
def test_any_single_change_is_named(payloads: list[dict[str, Any]], data: st.DataObject) -> None:
    rows = _chain(payloads)
    assert journal.verify_rows(rows).ok
    victim = data.draw(st.integers(min_value=0, max_value=len(rows) - 1))
    rows[victim].payload = {**rows[victim].payload, "tampered": True}
    result = journal.verify_rows(rows)
    assert [p["seq"] for p in result.problems] == [victim + 1]


@given(PAYLOADS, st.data())
def test_any_removed_entry_is_noticed(payloads: list[dict[str, Any]], data: st.DataObject) -> None:
    rows = _chain(payloads)
    victim = data.draw(st.integers(min_value=0, max_value=len(rows) - 2))
    del rows[victim]
    result = journal.verify_rows(rows)
    assert not result.ok and result.problems[0]["seq"] == victim + 2
