"""The change-log triggers: every edit of a tracked table records where it happened."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.tiles.repository import changes_between, latest_seq


def test_update_records_old_and_new_bounding_boxes(db: Session) -> None:
    before = latest_seq(db)
    pid, west = db.execute(
        text("SELECT id, ST_XMin(geom) FROM parcel WHERE end_lifespan IS NULL LIMIT 1")
    ).one()
    db.execute(
        text("UPDATE parcel SET geom = ST_Translate(geom, 0.01, 0) WHERE id = :id"), {"id": pid}
    )
    changes = changes_between(db, before, latest_seq(db))
    assert [c.table for c in changes] == ["parcel", "parcel"]
    wests = sorted(c.bbox[0] for c in changes if c.bbox)
    assert abs(wests[0] - west) < 1e-9 and abs(wests[1] - (west + 0.01)) < 1e-9


def test_insert_and_delete_are_recorded(db: Session) -> None:
    before = latest_seq(db)
    rid = db.execute(
        text(
            "INSERT INTO road (name, road_class, width_m, geom) VALUES "
            "('测试路', 'secondary', 12, ST_GeomFromText('LINESTRING(113.75 23.02, 113.76 23.02)',"
            " 4490)) RETURNING id"
        )
    ).scalar_one()
    db.execute(text("DELETE FROM road WHERE id = :id"), {"id": rid})
    changes = changes_between(db, before, latest_seq(db))
    assert [c.table for c in changes] == ["road", "road"]
    assert changes[0].bbox == (113.75, 23.02, 113.76, 23.02)  # a flat box is kept as it is
    assert changes[1].bbox == changes[0].bbox


def test_big_statements_record_one_extent(db: Session) -> None:
    before = latest_seq(db)
    n = db.execute(text("UPDATE parcel SET reg_status = reg_status")).rowcount
    assert n * 2 > 1000
    changes = changes_between(db, before, latest_seq(db))
    assert len(changes) == 1
    extent = db.execute(
        text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT "
            "ST_Extent(geom) e FROM parcel) s"
        )
    ).one()
    assert changes[0].bbox == tuple(extent)


def test_truncate_means_the_whole_table(db: Session) -> None:
    before = latest_seq(db)
    db.execute(text("TRUNCATE road"))
    changes = changes_between(db, before, latest_seq(db))
    assert [(c.table, c.bbox) for c in changes] == [("road", None)]


def test_statements_that_change_nothing_record_nothing(db: Session) -> None:
    before = latest_seq(db)
    db.execute(text("UPDATE parcel SET land_use = land_use WHERE id = -1"))
    assert latest_seq(db) == before


def test_other_domains_can_track_their_tables(db: Session) -> None:
    db.execute(
        text("CREATE TABLE tiles_test_thing (id serial PRIMARY KEY, g geometry(Point, 4490))")
    )
    db.execute(text("SELECT tile_change_track('tiles_test_thing', 'g')"))
    before = latest_seq(db)
    db.execute(
        text(
            "INSERT INTO tiles_test_thing (g) VALUES (ST_SetSRID(ST_MakePoint(113.7, 23.1), 4490))"
        )
    )
    changes = changes_between(db, before, latest_seq(db))
    assert [(c.table, c.bbox) for c in changes] == [
        ("tiles_test_thing", (113.7, 23.1, 113.7, 23.1))
    ]
    db.execute(text("SELECT tile_change_untrack('tiles_test_thing')"))
    db.execute(text("DELETE FROM tiles_test_thing"))
    assert latest_seq(db) == changes[0].seq


def test_tables_without_geometry_log_the_whole_table(db: Session) -> None:
    before = latest_seq(db)
    db.execute(text("UPDATE plan_edition SET name = name"))
    changes = changes_between(db, before, latest_seq(db))
    assert [(c.table, c.bbox) for c in changes] == [("plan_edition", None)]
