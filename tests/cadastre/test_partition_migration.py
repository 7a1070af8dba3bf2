"""Migration 0050 moves an existing register into zone partitions without loss.

A fresh database is migrated to just before 0050, given the demo district and edits (so
there are retired versions and lineage), and then migrated to the heads: every version,
every lineage link, the journal and the id sequence come out identical.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from cadastre.demo import load_demo
from cadastre.parcels import service
from cadastre.registry import journal
from gis import cluster
from gis.db import Database
from gis.settings import Settings
from landgis.setup import alembic_config, migrate
from tests.cadastre.parcels.conftest import touching_pair

REVISION = "0050_parcel_partitions"
DATABASE = "landgis_partition_migration"

VERSIONS = """
SELECT id, uid, version, unit_code, parcel_code, subzone_code, block_code, land_use, area_m2,
       reg_status, md5(ST_AsEWKB(geom)) AS g, md5(ST_AsEWKB(ref_point)) AS r,
       begin_lifespan, end_lifespan
FROM parcel ORDER BY id
"""
LINEAGE = "SELECT id, edit_id, parent_id, child_id FROM parcel_lineage ORDER BY id"
TOTALS = "SELECT count(*), sum(area_m2), count(*) FILTER (WHERE end_lifespan IS NULL) FROM parcel"


def _upgrade_to_before(settings: Settings) -> None:
    """Every head except 0050 and those standing on it, and what 0050 stands on."""
    from alembic import command
    from alembic.script import ScriptDirectory

    cfg = alembic_config(settings, DATABASE)
    script = ScriptDirectory.from_config(cfg)
    ours = script.get_revision(REVISION)
    assert ours is not None
    # the heads that do not stand on 0050 (0055's subzone boxes do)
    before = {
        h
        for h in script.get_heads()
        if REVISION not in {r.revision for r in script.iterate_revisions(h, "base")}
    }
    before |= set(ours._all_down_revisions) | set(ours._resolved_dependencies)
    for target in sorted(before):
        command.upgrade(cfg, target)


def _state(session: Session) -> dict[str, Any]:
    check = journal.verify(session)
    return {
        "totals": tuple(session.execute(text(TOTALS)).one()),
        "versions": [tuple(r) for r in session.execute(text(VERSIONS))],
        "lineage": [tuple(r) for r in session.execute(text(LINEAGE))],
        "journal": (check.ok, check.entries, check.head),
        "next_uid": session.execute(text("SELECT last_value FROM parcel_uid_seq")).scalar_one(),
    }


def _edit(session: Session, n: int) -> None:
    """A merge and a change, so the register holds retired versions and lineage."""
    a, b = touching_pair(session, n)
    tags = [service.get(session, c).etag for c in (a, b)]
    merged = service.merge(session, [a, b], if_match=tags, actor="migration-test")
    code = merged.opened[0].unit_code
    service.change(
        session, code, if_match=[service.get(session, code).etag], actor="t", land_use="0702"
    )


@pytest.fixture
def old_register(settings: Settings, engine: Engine) -> Iterator[Engine]:
    """A database at the revision before 0050 holding the demo district and some edits."""
    cluster.ensure_database(settings, DATABASE, fresh=True)
    _upgrade_to_before(settings)
    cluster.grant_app(settings, DATABASE)
    own = Database(settings)  # this database's pool, disposed before it is dropped
    eng = own.engine_for(settings.sqlalchemy_url(DATABASE))
    with Session(eng) as session:
        load_demo(session, 5000, 11)  # four zones, so several partitions
        session.commit()
    with Session(eng) as session:
        _edit(session, 0)
        _edit(session, 3)
        session.commit()
    yield eng
    own.dispose()
    with psycopg.connect(
        settings.admin_url("postgres").replace("+psycopg", ""), autocommit=True
    ) as c:
        c.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def test_migration_keeps_every_version_lineage_and_journal(
    settings: Settings, old_register: Engine
) -> None:
    with Session(old_register) as session:
        before = _state(session)
        kind = session.execute(text("SELECT relkind FROM pg_class WHERE relname = 'parcel'"))
        assert kind.scalar_one() == "r"
        zones = session.execute(text("SELECT count(*) FROM cadastral_zone")).scalar_one()
    assert before["lineage"] and before["totals"][0] > before["totals"][2]  # retired versions

    migrate(settings, DATABASE)

    with Session(old_register) as session:
        after = _state(session)
        parts = session.execute(
            text(
                "SELECT c.relname, (SELECT count(*) FROM parcel p WHERE p.tableoid = c.oid) "
                "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'parcel'::regclass ORDER BY c.relname"
            )
        ).all()
        lineage_keys = session.execute(
            text(
                "SELECT count(*) FROM parcel_lineage l WHERE (l.parent_id IS NULL) <> "
                "(l.parent_subzone IS NULL) OR (l.child_id IS NULL) <> (l.child_subzone IS NULL)"
            )
        ).scalar_one()
        # migration 0055 gave every subzone a box covering its parcels, old versions too
        outside = session.execute(
            text(
                "SELECT count(*) FROM parcel p WHERE NOT EXISTS (SELECT 1 FROM "
                "parcel_subzone_extent e WHERE e.subzone_code = p.subzone_code "
                "AND e.box ~ p.geom)"
            )
        ).scalar_one()
        # migration 0056 gave each its current parcels' exact extent (retired ones left out)
        wrong_current = session.execute(
            text(
                "SELECT count(*) FROM parcel_subzone_extent e LEFT JOIN (SELECT subzone_code, "
                "ST_Extent(geom)::geometry AS b FROM parcel WHERE end_lifespan IS NULL "
                "GROUP BY 1) c USING (subzone_code) "
                "WHERE NOT coalesce(ST_OrderingEquals(ST_SetSRID(c.b, 4490), e.current_box), "
                "c.b IS NULL AND e.current_box IS NULL)"
            )
        ).scalar_one()
        # the sequences go on where they were: a new version gets an id after every old one
        _edit(session, 6)
        newest = session.execute(text("SELECT max(id) FROM parcel")).scalar_one()
        session.rollback()
    assert after == before
    assert zones > 1 and len(parts) == zones + 1  # one partition per zone and DEFAULT
    assert dict(parts)["parcel_default"] == 0
    assert all(n > 0 for name, n in parts if name != "parcel_default")
    assert lineage_keys == 0
    assert outside == 0 and wrong_current == 0
    assert newest > max(v[0] for v in before["versions"])
