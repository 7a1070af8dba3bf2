"""The register partitioned by cadastral zone (migration 0050): one partition per zone,
pruning, partitions made for new zones, the DEFAULT partition split, the keys that must
stay unique across partitions, lineage foreign keys and the bulk load's index rebuild."""

from __future__ import annotations

import json

import pytest
import typer
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cadastre.parcels.partitions import partitions, register, split_default
from gis.bulk import restore_upkeep, suspend_upkeep
from gis.db import estimated_rows

PARTITIONS = """
SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'parcel'::regclass ORDER BY c.relname
"""
NEW_ZONE = "441900777"
FK = "fk_parcel_lineage_parent_id_parcel"


def _scanned(db: Session, sql: str, params: dict[str, str]) -> set[str]:
    """The parcel partitions a query's plan reads (EXPLAIN, JSON)."""
    plan = db.execute(text(f"EXPLAIN (FORMAT JSON) {sql}"), params).scalar_one()
    found: set[str] = set()

    def walk(node: dict) -> None:
        if str(node.get("Relation Name", "")).startswith("parcel_"):
            found.add(node["Relation Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"])
    return found


def _zone_with_subzone(db: Session, zone: str) -> str:
    """Insert a zone and one subzone (geometry of an existing one); returns the subzone."""
    db.execute(
        text(
            "INSERT INTO cadastral_zone (code, name, geom) "
            "SELECT :z, 'test zone', geom FROM cadastral_zone ORDER BY code LIMIT 1"
        ),
        {"z": zone},
    )
    sub = zone + "001"
    db.execute(
        text(
            "INSERT INTO cadastral_subzone (code, zone_code, name, geom) "
            "SELECT :s, :z, 'test subzone', geom FROM cadastral_subzone ORDER BY code LIMIT 1"
        ),
        {"s": sub, "z": zone},
    )
    return sub


def _copy_parcel(db: Session, subzone: str, seq: int) -> int:
    """A parcel in ``subzone`` with the shape of an existing one; returns its id."""
    code = f"{subzone}JC{seq:05d}W00000000"
    return int(
        db.execute(
            text(
                "INSERT INTO parcel (unit_code, parcel_code, subzone_code, land_use, area_m2, "
                "reg_status, ref_point, geom) SELECT :c, :pc, :s, land_use, area_m2, "
                "'unregistered', ref_point, geom FROM parcel ORDER BY id LIMIT 1 RETURNING id"
            ),
            {"c": code, "pc": code[:19], "s": subzone},
        ).scalar_one()
    )


@pytest.fixture
def second_zone(db: Session) -> str:
    """A second zone (the test district has one) with a subzone and two parcels."""
    sub = _zone_with_subzone(db, NEW_ZONE)
    _copy_parcel(db, sub, 1)
    _copy_parcel(db, sub, 2)
    return NEW_ZONE


def test_one_partition_per_zone_and_the_default_empty(db: Session, second_zone: str) -> None:
    parts = dict(db.execute(text(PARTITIONS)).tuples().all())
    zones = db.execute(text("SELECT code FROM cadastral_zone ORDER BY code")).scalars().all()
    assert len(zones) > 1 and second_zone in zones
    assert parts.pop("parcel_default") == "DEFAULT"
    assert sorted(parts) == [f"parcel_{z}" for z in zones]
    for z in zones:
        upper = f"{int(z) + 1:09d}"
        assert parts[f"parcel_{z}"] == f"FOR VALUES FROM ('{z}') TO ('{upper}')"
    # every row sits in its zone's partition: the zone is the unit code's first 9 digits
    misplaced = db.execute(
        text(
            "SELECT count(*) FROM parcel p "
            "WHERE p.tableoid::regclass::text <> 'parcel_' || left(p.unit_code, 9)"
        )
    ).scalar_one()
    assert misplaced == 0
    assert db.execute(text("SELECT count(*) FROM parcel_default")).scalar_one() == 0


def test_a_query_for_one_zone_reads_one_partition(db: Session, second_zone: str) -> None:
    zones = db.execute(text("SELECT code FROM cadastral_zone ORDER BY code")).scalars().all()
    one_subzone = "SELECT count(*) FROM parcel WHERE subzone_code = :s AND end_lifespan IS NULL"
    one_zone = (
        "SELECT sum(area_m2) FROM parcel WHERE subzone_code >= :z "
        "AND subzone_code < parcel_zone_bound(:z)"
    )
    for zone in zones:
        sub = db.execute(
            text("SELECT min(code) FROM cadastral_subzone WHERE zone_code = :z"), {"z": zone}
        ).scalar_one()
        assert _scanned(db, one_subzone, {"s": sub}) == {f"parcel_{zone}"}
        assert _scanned(db, one_zone, {"z": zone}) == {f"parcel_{zone}"}
    every_zone = "SELECT sum(area_m2) FROM parcel WHERE end_lifespan IS NULL"
    assert _scanned(db, every_zone, {}) == {f"parcel_{z}" for z in zones} | {"parcel_default"}


def test_a_new_zone_gets_its_partition(db: Session) -> None:
    sub = _zone_with_subzone(db, NEW_ZONE)
    bound = db.execute(
        text(
            "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = :p AND "
            "relispartition"
        ),
        {"p": f"parcel_{NEW_ZONE}"},
    ).scalar_one()
    assert bound == "FOR VALUES FROM ('441900777') TO ('441900778')"
    new_id = _copy_parcel(db, sub, 1)
    where = db.execute(
        text("SELECT tableoid::regclass::text FROM parcel WHERE id = :i"), {"i": new_id}
    ).scalar_one()
    assert where == f"parcel_{NEW_ZONE}"


def test_the_default_partition_is_split_with_lineage_intact(db: Session) -> None:
    """Rows of a zone that had no partition (trigger off) wait in DEFAULT; making the zone's
    partition moves them, and lineage pointing at them stays valid."""
    db.execute(text("ALTER TABLE cadastral_zone DISABLE TRIGGER cadastral_zone_partition"))
    sub = _zone_with_subzone(db, NEW_ZONE)
    db.execute(text("ALTER TABLE cadastral_zone ENABLE TRIGGER cadastral_zone_partition"))
    ids = [_copy_parcel(db, sub, n) for n in (1, 2)]
    edit = db.execute(
        text("INSERT INTO parcel_edit (operation, actor) VALUES ('split', 't') RETURNING id")
    ).scalar_one()
    db.execute(
        text("INSERT INTO parcel_lineage (edit_id, parent_id, child_id) VALUES (:e, :p, :c)"),
        {"e": edit, "p": ids[0], "c": ids[1]},
    )
    assert db.execute(text("SELECT count(*) FROM parcel_default")).scalar_one() == 2

    made = db.execute(text("SELECT parcel_zone_partition(:z)"), {"z": NEW_ZONE}).scalar_one()

    assert made is True
    assert db.execute(text("SELECT count(*) FROM parcel_default")).scalar_one() == 0
    moved = db.execute(
        text(f"SELECT array_agg(id ORDER BY id) FROM parcel_{NEW_ZONE}")  # noqa: S608
    ).scalar_one()
    assert moved == ids
    link = db.execute(
        text(
            "SELECT p.unit_code, c.unit_code FROM parcel_lineage l "
            "JOIN parcel p ON p.id = l.parent_id JOIN parcel c ON c.id = l.child_id "
            "WHERE l.edit_id = :e"
        ),
        {"e": edit},
    ).one()
    assert link[0][:12] == link[1][:12] == sub
    again = db.execute(text("SELECT parcel_zone_partition(:z)"), {"z": NEW_ZONE}).scalar_one()
    assert again is False
    with pytest.raises(DBAPIError, match="9位数字"), db.begin_nested():
        db.execute(text("SELECT parcel_zone_partition('44190')"))


def test_unit_code_stays_unique_across_partitions(db: Session) -> None:
    code, sub = db.execute(
        text("SELECT unit_code, subzone_code FROM parcel WHERE end_lifespan IS NULL LIMIT 1")
    ).one()
    copy = (
        "INSERT INTO parcel (unit_code, parcel_code, subzone_code, land_use, area_m2, "
        "ref_point, geom) SELECT :c, parcel_code, :s, land_use, area_m2, ref_point, geom "
        "FROM parcel WHERE unit_code = :u AND end_lifespan IS NULL"
    )
    # the partition's copy of uq_parcel_unit_code_current refuses it
    twice = r"duplicate key .*\n.*Key \(unit_code, subzone_code\)"
    with pytest.raises(IntegrityError, match=twice), db.begin_nested():
        db.execute(text(copy), {"c": code, "s": sub, "u": code})
    # a subzone that is not the unit code's prefix (which would put one code in two
    # partitions) is refused
    other = db.execute(
        text("SELECT min(code) FROM cadastral_subzone WHERE code <> :s"), {"s": sub}
    ).scalar_one()
    with pytest.raises(IntegrityError, match="ck_parcel_subzone_in_unit_code"), db.begin_nested():
        db.execute(text(copy), {"c": code, "s": other, "u": code})


def test_lineage_refuses_a_version_that_does_not_exist(db: Session) -> None:
    edit = db.execute(
        text("INSERT INTO parcel_edit (operation, actor) VALUES ('retire', 't') RETURNING id")
    ).scalar_one()
    missing = db.execute(text("SELECT max(id) + 1000 FROM parcel")).scalar_one()
    with pytest.raises(IntegrityError, match=FK), db.begin_nested():
        db.execute(
            text("INSERT INTO parcel_lineage (edit_id, parent_id) VALUES (:e, :p)"),
            {"e": edit, "p": missing},
        )
    some = db.execute(text("SELECT min(id) FROM parcel")).scalar_one()
    # deleting a version lineage names is refused (by the key's copy on the partition)
    gone = 'violates foreign key constraint "[a-z_0-9]+" on table "parcel_lineage"'
    with pytest.raises(IntegrityError, match=gone), db.begin_nested():
        db.execute(
            text("INSERT INTO parcel_lineage (edit_id, parent_id) VALUES (:e, :p)"),
            {"e": edit, "p": some},
        )
        db.execute(text("DELETE FROM parcel WHERE id = :p"), {"p": some})


def test_bulk_load_rebuilds_indexes_on_every_partition(db: Session) -> None:
    """gis.bulk drops the parcel indexes and rebuilds them: on the partitioned table they
    must come back valid on every partition (pg_get_indexdef says "ON ONLY")."""
    indexes = """
    SELECT c.relname, i.indisvalid,
           (SELECT count(*) FROM pg_inherits h WHERE h.inhparent = i.indexrelid)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
    WHERE i.indrelid = 'parcel'::regclass ORDER BY c.relname
    """
    parts = db.execute(
        text("SELECT count(*) FROM pg_inherits WHERE inhparent = 'parcel'::regclass")
    ).scalar_one()
    before = db.execute(text(indexes)).all()
    assert all(valid and n == parts for _, valid, n in before)
    found = suspend_upkeep(db, "parcel")
    assert len(found.indexes) == len(before) - 1  # all but the primary key
    restore_upkeep(db, found)
    assert db.execute(text(indexes)).all() == before


def test_split_default_gives_waiting_zones_their_partitions(db: Session) -> None:
    db.execute(text("ALTER TABLE cadastral_zone DISABLE TRIGGER cadastral_zone_partition"))
    sub = _zone_with_subzone(db, NEW_ZONE)
    db.execute(text("ALTER TABLE cadastral_zone ENABLE TRIGGER cadastral_zone_partition"))
    new_id = _copy_parcel(db, sub, 1)

    assert split_default(db) == [NEW_ZONE]

    assert split_default(db) == []
    found = {p.name: p.bound for p in partitions(db)}
    assert found[f"parcel_{NEW_ZONE}"] == "FOR VALUES FROM ('441900777') TO ('441900778')"
    where = db.execute(
        text("SELECT tableoid::regclass::text FROM parcel WHERE id = :i"), {"i": new_id}
    ).scalar_one()
    assert where == f"parcel_{NEW_ZONE}"


def test_partitions_command_lists_every_partition(engine: Engine) -> None:
    app = typer.Typer()
    cadastre = typer.Typer()
    register(cadastre)
    app.add_typer(cadastre, name="cadastre")
    result = CliRunner().invoke(app, ["cadastre", "partitions", "--split"])
    assert result.exit_code == 0, result.output
    with Session(engine) as session:
        zones = session.execute(text("SELECT code FROM cadastral_zone")).scalars().all()
    lines = result.output.splitlines()
    assert not [line for line in lines if "made partition" in line]  # nothing was waiting
    named = {line.split()[0] for line in lines}
    assert named == {"parcel_default"} | {f"parcel_{z}" for z in zones}


def test_row_estimate_sums_the_zone_partitions(db: Session) -> None:
    """The partitioned table's own reltuples is never refreshed by autovacuum (it analyses
    leaves only); the estimate (OGC numberMatched, the import's bulk-or-staged choice) sums
    the partitions."""
    db.execute(text("ANALYZE parcel"))
    before = db.execute(text("SELECT count(*) FROM parcel")).scalar_one()
    sub = _zone_with_subzone(db, NEW_ZONE)
    for n in range(1, 4):
        _copy_parcel(db, sub, n)
    db.execute(text(f"ANALYZE parcel_{NEW_ZONE}"))  # what autovacuum does
    own = db.execute(
        text("SELECT reltuples FROM pg_class WHERE oid = 'parcel'::regclass")
    ).scalar_one()
    assert own == before  # stale: the three new versions are not in it
    assert estimated_rows(db, "parcel") == before + 3


def test_a_row_estimate_is_reused_on_its_connection_for_its_age(db: Session) -> None:
    """The OGC items and the parcel list ask only whether the register is small: the sum
    over every partition (~3 ms at 5M) is made once a minute per connection."""
    db.execute(text("ANALYZE parcel"))
    first = estimated_rows(db, "parcel")  # read now, kept on this connection
    sub = _zone_with_subzone(db, NEW_ZONE)
    for n in range(1, 4):
        _copy_parcel(db, sub, n)
    db.execute(text(f"ANALYZE parcel_{NEW_ZONE}"))
    assert estimated_rows(db, "parcel", 60) == first  # the minute-old answer
    assert estimated_rows(db, "parcel") == first + 3  # asked again
    assert estimated_rows(db, "parcel", 60) == first + 3  # and kept from then on
