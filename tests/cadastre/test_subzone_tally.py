"""The maps' place labels read each subzone's parcels from ``parcel_subzone_tally``
(migration 0058): after any write it holds exactly what a count of the current parcels
gives, per subzone, in all and on collective land (unit code's 13th character ``J``)."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from cadastre.parcels import service
from tests.cadastre.parcels.conftest import touching_pair

COUNTED = (
    "SELECT subzone_code, count(*), count(*) FILTER (WHERE substr(unit_code, 13, 1) = 'J') "
    "FROM parcel WHERE end_lifespan IS NULL GROUP BY subzone_code"
)
# every column a writer gives (geom_3857 is the database's: migration 0062)
WRITTEN = (
    "id, uid, version, unit_code, parcel_code, subzone_code, block_code, land_use, area_m2, "
    "reg_status, ref_point, geom, begin_lifespan, end_lifespan"
)
KEPT = (
    "SELECT subzone_code, current_parcels, collective_parcels FROM parcel_subzone_tally "
    "WHERE current_parcels > 0"
)


def _rows(db: Session, sql: str) -> set[tuple[str, int, int]]:
    return {(code, n, j) for code, n, j in db.execute(text(sql))}


def test_the_tally_follows_every_kind_of_write(db: Session) -> None:
    counted = _rows(db, COUNTED)
    assert _rows(db, KEPT) == counted and any(j for _, _, j in counted), "no collective land"
    rng = random.Random(58)
    now = db.execute(text("SELECT max(begin_lifespan) FROM parcel")).scalar_one()
    codes = list(
        db.execute(
            text(
                "SELECT unit_code FROM parcel WHERE end_lifespan IS NULL "
                "ORDER BY substr(unit_code, 13, 1) = 'J' DESC, id LIMIT 80"
            )
        ).scalars()
    )
    rng.shuffle(codes)
    for step in range(30):
        code = codes.pop()
        at = {"c": code, "t": now + timedelta(hours=step + 1)}
        kind = rng.choice(["new version", "retire", "delete", "unretire", "two statements"])
        if kind == "new version":  # the current version ended, its successor opened
            db.execute(
                text(
                    "UPDATE parcel SET end_lifespan = :t WHERE unit_code = :c "
                    "AND end_lifespan IS NULL"
                ),
                at,
            )
            db.execute(
                text(
                    "INSERT INTO parcel (uid, version, unit_code, parcel_code, subzone_code, "
                    "land_use, area_m2, reg_status, ref_point, geom, begin_lifespan) "
                    "SELECT uid, version + 100, unit_code, parcel_code, subzone_code, land_use, "
                    "area_m2, reg_status, ref_point, geom, :t FROM parcel WHERE unit_code = :c "
                    "AND end_lifespan = :t"
                ),
                at,
            )
        elif kind == "retire":
            db.execute(text("UPDATE parcel SET end_lifespan = :t WHERE unit_code = :c"), at)
        elif kind == "delete":
            db.execute(text("DELETE FROM parcel WHERE unit_code = :c"), at)
        elif kind == "unretire":  # a retirement undone: the parcel counts again
            db.execute(text("UPDATE parcel SET end_lifespan = :t WHERE unit_code = :c"), at)
            assert _rows(db, KEPT) == _rows(db, COUNTED), (step, kind)
            db.execute(text("UPDATE parcel SET end_lifespan = NULL WHERE unit_code = :c"), at)
        else:  # one statement retiring several parcels of several subzones
            other = codes.pop()
            db.execute(
                text("UPDATE parcel SET end_lifespan = :t WHERE unit_code IN (:c, :d)"),
                {**at, "d": other},
            )
        assert _rows(db, KEPT) == _rows(db, COUNTED), (step, kind)
    db.execute(text("TRUNCATE parcel CASCADE"))  # rolled back with the test
    assert _rows(db, KEPT) == set()


def test_a_merge_through_the_register_keeps_the_tally(db: Session) -> None:
    a, b = touching_pair(db, 0)
    subzone = a[:12]
    before = db.execute(
        text("SELECT current_parcels FROM parcel_subzone_tally WHERE subzone_code = :s"),
        {"s": subzone},
    ).scalar_one()
    tags = [service.get(db, c).etag for c in (a, b)]
    service.merge(db, [a, b], if_match=tags, actor="tally-test")
    after = db.execute(
        text("SELECT current_parcels FROM parcel_subzone_tally WHERE subzone_code = :s"),
        {"s": subzone},
    ).scalar_one()
    assert after == before - 1 and _rows(db, KEPT) == _rows(db, COUNTED)


def test_the_tally_stays_exact_when_its_statistics_say_it_is_empty(db: Session) -> None:
    # a TRUNCATE empties the tally; with its statistics then saying "empty", the planner
    # joined it to each statement's sums by a nested loop that computed the sums again for
    # every tally row (a 1M import into an emptied register: 113-500 s instead of 18 s);
    # migration 0061 adds the sums subzone by subzone, by key, whatever the statistics say
    db.execute(text("CREATE TEMP TABLE kept ON COMMIT DROP AS SELECT * FROM parcel ORDER BY id"))
    db.execute(text("TRUNCATE parcel CASCADE"))
    db.execute(text("ANALYZE parcel_subzone_tally"))
    assert db.execute(text("SELECT count(*) FROM parcel_subzone_tally")).scalar_one() == 0
    for part in range(8):  # more statements than plpgsql plans afresh before a generic plan
        db.execute(
            text(f"INSERT INTO parcel ({WRITTEN}) SELECT {WRITTEN} FROM kept WHERE id % 8 = :p"),
            {"p": part},
        )
    assert _rows(db, KEPT) == _rows(db, COUNTED)
    assert db.execute(text("SELECT count(DISTINCT subzone_code) FROM kept")).scalar_one() > 1
