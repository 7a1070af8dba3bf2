"""The parcel map's time slider reads the register's change instants from
``parcel_instant`` (migration 0057): after any write it holds exactly the instants some
parcel version begins or ends at, what a read of every version gives."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from cadastre.parcels import service
from cadastre.parcels.timeline import MAX_INSTANTS, edit_instants
from tests.cadastre.parcels.conftest import touching_pair

SCAN = (
    "SELECT begin_lifespan FROM parcel UNION "
    "SELECT end_lifespan FROM parcel WHERE end_lifespan IS NOT NULL"
)


def _kept(db: Session) -> set[object]:
    return set(db.execute(text("SELECT t FROM parcel_instant")).scalars())


def _scanned(db: Session) -> set[object]:
    return set(db.execute(text(SCAN)).scalars())


def test_the_instants_follow_every_kind_of_write(db: Session) -> None:
    assert _kept(db) == _scanned(db) and _kept(db)
    rng = random.Random(57)
    now = db.execute(text("SELECT max(begin_lifespan) FROM parcel")).scalar_one()
    codes = list(
        db.execute(
            text("SELECT unit_code FROM parcel WHERE end_lifespan IS NULL ORDER BY id LIMIT 60")
        ).scalars()
    )
    for step in range(30):
        code = codes.pop(rng.randrange(len(codes)))
        # instants after the parcels' beginnings, one of its own per step
        at = {"c": code, "t": now + timedelta(hours=step + 1)}
        kind = rng.choice(["insert", "retire", "delete", "rebegin", "unretire"])
        if kind == "insert":  # the current version ended, a new one opened at an instant
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
        elif kind == "rebegin":  # the instant it began at goes when no other row has it
            db.execute(text("UPDATE parcel SET begin_lifespan = :t WHERE unit_code = :c"), at)
        else:  # a retirement undone: its end instant goes
            db.execute(text("UPDATE parcel SET end_lifespan = :t WHERE unit_code = :c"), at)
            assert _kept(db) == _scanned(db), (step, kind)
            db.execute(text("UPDATE parcel SET end_lifespan = NULL WHERE unit_code = :c"), at)
        assert _kept(db) == _scanned(db), (step, kind)


def test_an_edit_through_the_register_is_an_instant_of_the_slider(db: Session) -> None:
    a, b = touching_pair(db, 0)
    tags = [service.get(db, c).etag for c in (a, b)]
    merged = service.merge(db, [a, b], if_match=tags, actor="instants-test")
    opened = service.get(db, merged.opened[0].unit_code)
    newest = edit_instants(db)
    assert _kept(db) == _scanned(db)
    assert newest[-1] == max(_scanned(db)) and len(newest) <= MAX_INSTANTS
    assert abs(newest[-1] - opened.begin_lifespan) < timedelta(seconds=1)
