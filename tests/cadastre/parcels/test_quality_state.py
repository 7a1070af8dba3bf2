"""The incremental quality state equals a full check after random edits, and re-checks
only the subzones the edits touched (:mod:`cadastre.parcels.quality_state`)."""

from __future__ import annotations

import json
import random
import re
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cadastre.cli import app as cadastre_cli
from cadastre.parcels import quality, quality_state
from gis.db import Database
from gis.jobs import store as jobs
from tests.cadastre.parcels.test_quality import COPY_SQL

PICK_SQL = """
SELECT unit_code FROM parcel
WHERE end_lifespan IS NULL AND GeometryType(geom) = 'MULTIPOLYGON' AND ST_NumGeometries(geom) = 1
ORDER BY md5(unit_code || :salt) LIMIT 1
"""
EDITS = {
    # an overlap with a new parcel: a copy shifted by about 3 m
    "copy": COPY_SQL.format(geom="ST_Translate(geom, 0.00003, 0)"),
    # an overlap (and a gap) by moving a parcel by about 2 m
    "move": "UPDATE parcel SET geom = ST_Translate(geom, 0.00002, 0.00001) "
    "WHERE unit_code = :c AND end_lifespan IS NULL",
    # a gap in the block
    "retire": "UPDATE parcel SET end_lifespan = now() "
    "WHERE unit_code = :c AND end_lifespan IS NULL",
    # an invalid bow-tie where the parcel was
    "bowtie": "UPDATE parcel SET geom = ST_Multi(ST_SetSRID(ST_MakePolygon(ST_MakeLine(ARRAY["
    "ST_Translate(ref_point, -1e-4, -1e-4), ST_Translate(ref_point, 1e-4, 1e-4), "
    "ST_Translate(ref_point, 1e-4, -1e-4), ST_Translate(ref_point, -1e-4, 1e-4), "
    "ST_Translate(ref_point, -1e-4, -1e-4)])), 4490)) "
    "WHERE unit_code = :c AND end_lifespan IS NULL",
    # a sliver
    "thin": "UPDATE parcel SET geom = ST_Multi(ST_MakeEnvelope(ST_X(ref_point), ST_Y(ref_point), "
    "ST_X(ref_point) + 0.0003, ST_Y(ref_point) + 0.000003, 4490)) "
    "WHERE unit_code = :c AND end_lifespan IS NULL",
    # a parcel removed outright (a mistaken import undone)
    "delete": "DELETE FROM parcel WHERE unit_code = :c AND end_lifespan IS NULL "
    "AND NOT EXISTS (SELECT 1 FROM parcel_lineage l JOIN parcel p ON p.id IN (l.parent_id, "
    "l.child_id) WHERE p.unit_code = :c)",
}

# edits of the register behind the parcels (the one-owner trigger is deferred to a commit
# these rolled-back tests never make, as a write with the trigger off would be)
PICK_RIGHT_SQL = """
SELECT unit_code FROM rrr WHERE kind = 'right' AND end_lifespan IS NULL
ORDER BY md5(unit_code || :salt) LIMIT 1
"""
ONE_RIGHT = (
    "(SELECT id FROM rrr WHERE unit_code = :c AND kind = 'right' AND end_lifespan IS NULL "
    "ORDER BY id LIMIT 1)"
)
REGISTER_EDITS = {
    # shares of an exclusive right not adding up to 1
    "half": f"UPDATE rrr SET share_num = 1, share_den = 2 WHERE id = {ONE_RIGHT}",
    # the right ends: the map's status is wrong, a restriction is left without a right
    "unright": "UPDATE rrr SET end_lifespan = now() "
    "WHERE unit_code = :c AND kind = 'right' AND end_lifespan IS NULL",
    # the unit is cancelled under a right still in force
    "cancel": "UPDATE baunit SET status = 'cancelled' "
    "WHERE unit_code = :c AND end_lifespan IS NULL",
}


def _random_edit(db: Session, rng: random.Random) -> str:
    """One random defect-making edit of the parcels or of the register (a parcel the
    register refers to is not deleted: its foreign keys refuse, and another kind of edit is
    made instead)."""
    while True:
        kind = rng.choice(sorted(EDITS) + sorted(REGISTER_EDITS))
        pick = PICK_RIGHT_SQL if kind in REGISTER_EDITS else PICK_SQL
        code = db.execute(text(pick), {"salt": str(rng.random())}).scalar_one()
        try:
            with db.begin_nested():
                db.execute(text((EDITS | REGISTER_EDITS)[kind]), {"c": code})
        except IntegrityError:
            continue
        return kind


def _forget_state(db: Session) -> int:
    """Start from no kept state (another test may have committed one); the subzone count."""
    db.execute(text("DELETE FROM overview_state WHERE name = :n"), {"n": quality_state.STATE})
    return int(db.execute(text("SELECT count(*) FROM cadastral_subzone")).scalar_one())


def test_incremental_state_equals_a_full_check_after_random_edits(db: Session) -> None:
    subzones = _forget_state(db)
    assert quality_state.refresh(db) == subzones  # the first pass checks everything
    assert quality_state.refresh(db) == 0  # nothing changed since
    rng = random.Random(20261202)
    kinds: set[str] = set()
    for _ in range(6):
        kinds.update(_random_edit(db, rng) for _ in range(rng.randint(1, 3)))
        touched = quality_state.refresh(db)
        assert 0 < touched < subzones  # only what the edits reached was checked again
        kept = quality_state.report(db)
        full = quality.run(db)
        assert quality_state.comparable(kept) == quality_state.comparable(full)
        assert kept.parcels == full.parcels
    assert len(kinds) >= 4 and kinds & set(REGISTER_EDITS), kinds
    assert sum(len(v) for v in full.findings.values()) > 0
    assert sum(len(v) for v in full.register.values()) > 0  # the register's side was compared


def test_a_right_that_lapses_by_time_alone_is_seen(db: Session) -> None:
    """A restriction (or right) ends by its date with no write at all; the kept state must
    not keep reporting it. Simulated: the expiry is written, then its trace in the dirty
    list is removed and the subzone's check dated an hour back, as if the date passed."""
    _forget_state(db)
    code = db.execute(text(PICK_RIGHT_SQL), {"salt": "lapse"}).scalar_one()
    db.execute(text(REGISTER_EDITS["cancel"]), {"c": code})  # rights on a cancelled unit
    quality_state.refresh(db)
    before = quality_state.report(db)
    assert code in {f["unit_codes"][0] for f in before.register["retired_rights"]}
    db.execute(
        text("UPDATE rrr SET expires_at = now() - interval '1 minute' WHERE unit_code = :c"),
        {"c": code},
    )
    db.execute(text("DELETE FROM quality_register_dirty"))
    db.execute(
        text(
            "UPDATE quality_subzone SET checked_at = now() - interval '1 hour' "
            "WHERE subzone_code = left(:c, 12)"
        ),
        {"c": code},
    )
    assert quality_state.refresh(db) == 1  # that subzone only
    kept, full = quality_state.report(db), quality.run(db)
    assert code not in {f["unit_codes"][0] for f in kept.register["retired_rights"]}
    assert quality_state.comparable(kept) == quality_state.comparable(full)


def test_a_bulk_change_checks_everything_again(db: Session) -> None:
    subzones = _forget_state(db)
    quality_state.refresh(db)
    db.execute(text("INSERT INTO tile_change (table_name) VALUES ('parcel')"))  # as a bulk load
    assert quality_state.refresh(db) == subzones


def test_cli_and_api_read_the_kept_state(client: TestClient, db: Session, tmp_path: Path) -> None:
    zone = db.execute(text("SELECT min(zone_code) FROM cadastral_subzone")).scalar_one()
    # the CLI first: it commits the state through its own connection, which must not wait
    # for this test's transaction (an API refresh holds the state's lock until rollback)
    out = tmp_path / "q.json"
    result = CliRunner().invoke(cadastre_cli, ["check", "--since", "--zone", zone, "-o", str(out)])
    assert result.exit_code in (0, 2), result.output
    assert json.loads(out.read_text())["zone"] == zone
    _random_edit(db, random.Random(7))
    params = {"zone": zone, "incremental": False}
    full = client.get("/api/v1/cadastre/quality", params=params).json()
    kept = client.get("/api/v1/cadastre/quality", params={"zone": zone})  # the default
    assert kept.status_code == 200
    assert kept.json()["counts"] == full["counts"] and kept.json()["pending_subzones"] == 0
    bad = client.get("/api/v1/cadastre/quality", params={"zone": "12", "incremental": True})
    assert bad.status_code == 422 and "zone" in bad.text


def test_a_reader_leaves_a_large_check_to_the_background(
    client: TestClient, db: Session, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bulk load makes every subzone due: a request then reads the findings kept and says
    how many subzones are due, instead of checking a province in a request (at 5M parcels
    ~6 minutes: the page and the API answered 503)."""
    subzones = _forget_state(db)  # as after a bulk load: everything is due
    monkeypatch.setattr(quality_state, "QUICK_SUBZONES", subzones - 1)
    kept = "SELECT subzone_code, findings, checked_at FROM quality_subzone ORDER BY 1"
    before = db.execute(text(kept)).all()
    r = client.get("/api/v1/cadastre/quality")
    assert r.status_code == 200 and r.json()["pending_subzones"] == subzones
    assert db.execute(text(kept)).all() == before  # nothing checked in the request
    # the page says so, with the background pass's progress when one runs
    job = jobs.create(engine, quality_state.JOB_KIND, None, status="running")
    try:
        job.progress(2, subzones, "subzones")
        job._write(done=2, total=subzones)  # past the progress throttle
        page = client.get("/maps/quality").text
    finally:
        job.succeed({"subzones": 0})
    pending = re.search(r'id="quality-pending">(.*?)</p>', page, re.S)
    assert (
        pending and f"已完成 2/{subzones}" in pending[1] and f"(2 of {subzones} done)" in pending[1]
    )
    assert "后台" in pending[1] and "background" in pending[1]
    # a few due subzones are checked by the reader itself
    monkeypatch.setattr(quality_state, "QUICK_SUBZONES", subzones)
    r = client.get("/api/v1/cadastre/quality")
    assert r.json()["pending_subzones"] == 0 and r.json()["checked_at"]
    assert "quality-pending" not in client.get("/maps/quality").text
    # a full check in the request names a zone
    whole = client.get("/api/v1/cadastre/quality", params={"incremental": False})
    assert whole.status_code == 422 and whole.json()["field"] == "zone"


def _pass(database: Database) -> int:
    for _ in range(100):  # a live server's own pass may hold the lock for a moment
        done = quality_state.background_pass(database)
        if done is not None:
            return done
        time.sleep(0.1)
    raise AssertionError("the quality state stayed locked")


def test_the_background_pass_checks_a_bulk_load_in_chunks_that_survive_a_stop(
    engine: Engine, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a bulk load every subzone is due; the background pass checks them one chunk
    per transaction as a job. Stopped midway (a restart), what it committed stays, readers
    are told how many are left, and the next pass checks only those."""
    with engine.begin() as conn:  # committed: the state is derived, the pass rebuilds it
        conn.execute(text("DELETE FROM overview_state WHERE name = :n"), {"n": quality_state.STATE})
        since = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
        subzones = conn.execute(text("SELECT count(*) FROM cadastral_subzone")).scalar_one()
    assert subzones >= 3
    monkeypatch.setattr(quality_state, "QUICK_SUBZONES", 1)
    monkeypatch.setattr(quality_state, "CHUNK_SUBZONES", 1)
    real, calls = quality.check_subzone, []

    def stops_at_the_third(*args: Any) -> None:
        calls.append(args[1])
        if len(calls) == 3:
            raise KeyboardInterrupt  # the server stopped
        real(*args)

    monkeypatch.setattr(quality, "check_subzone", stops_at_the_third)
    with pytest.raises(KeyboardInterrupt):
        _pass(database)
    with Session(engine) as session:
        midway = quality_state.report(session, quick=0)
        waiting = session.execute(text(quality_state._WAITING_COUNT)).scalar_one()
    assert waiting == subzones - 2 and midway.pending == subzones - 2
    monkeypatch.setattr(quality, "check_subzone", real)
    calls.clear()
    assert _pass(database) >= subzones - 2
    with engine.connect() as conn:
        jobs_since = conn.execute(
            text(
                "SELECT status, done, total, stage, error FROM job WHERE kind = :k "
                "AND created_at >= :t ORDER BY created_at"
            ),
            {"k": quality_state.JOB_KIND, "t": since},
        ).all()
    assert [j.status for j in jobs_since] == ["failed", "done"], jobs_since
    assert jobs_since[0].done == 2 and jobs_since[1].done == subzones - 2
    assert _pass(database) == 0  # nothing due since
    with Session(engine) as session:
        kept, full = quality_state.report(session, quick=0), quality.run(session)
        assert quality_state.comparable(kept) == quality_state.comparable(full)
        assert kept.pending == 0 and kept.checked_at is not None
