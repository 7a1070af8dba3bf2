"""Nearest-road lookups read ``road_piece`` (migration 0059): every road cut into pieces
of at most 64 vertices, kept by triggers through every kind of write, giving the same
nearest road as a search over the whole roads."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.basemap.repository import nearest_road_sql

# each road against its pieces: how many, their length and largest vertex count, and
# whether they cover it (a piece outside the road, or a road part missing, fails)
PIECES = """
SELECT r.id, count(p.road_id) AS n, round(ST_Length(r.geom)::numeric, 9) AS road_len,
       round(coalesce(sum(ST_Length(p.geom)), 0)::numeric, 9) AS piece_len,
       coalesce(max(ST_NPoints(p.geom)), 0) AS most,
       coalesce(bool_and(ST_Covers(ST_Buffer(r.geom, 1e-9), p.geom)), false) AS inside
FROM road r LEFT JOIN road_piece p ON p.road_id = r.id GROUP BY r.id ORDER BY r.id
"""
ORPHANS = (
    "SELECT count(*) FROM road_piece p "
    "WHERE NOT EXISTS (SELECT 1 FROM road r WHERE r.id = p.road_id)"
)


def _check(db: Session) -> int:
    rows = db.execute(text(PIECES)).all()
    for r in rows:
        assert r.n >= 1 and r.inside and r.most <= 64, r
        assert abs(r.road_len - r.piece_len) <= 1e-8, r
    assert db.execute(text(ORPHANS)).scalar_one() == 0
    return len(rows)


def test_the_pieces_follow_every_kind_of_write(db: Session) -> None:
    assert _check(db) > 0
    long_line = (
        "ST_SetSRID(ST_MakeLine(ARRAY(SELECT ST_MakePoint(113.70 + i * 1e-4, 23.0 + "
        "(i % 7) * 1e-5) FROM generate_series(0, 299) i)), 4490)"
    )
    new_id = db.execute(
        text(
            "INSERT INTO road (name, road_class, width_m, geom) "
            f"VALUES ('测试大道', 'main', 30, {long_line}) RETURNING id"
        )
    ).scalar_one()
    _check(db)
    pieces = db.execute(text("SELECT count(*) FROM road_piece WHERE road_id = :i"), {"i": new_id})
    assert pieces.scalar_one() >= 300 // 64
    db.execute(
        text("UPDATE road SET geom = ST_Translate(geom, 0.001, 0) WHERE id = :i"), {"i": new_id}
    )
    _check(db)
    db.execute(text("DELETE FROM road WHERE id = :i"), {"i": new_id})
    _check(db)
    assert (
        db.execute(
            text("SELECT count(*) FROM road_piece WHERE road_id = :i"), {"i": new_id}
        ).scalar_one()
        == 0
    )
    db.execute(text("TRUNCATE road"))  # rolled back with the test
    assert db.execute(text("SELECT count(*) FROM road_piece")).scalar_one() == 0


def test_the_nearest_piece_is_on_the_nearest_road(db: Session) -> None:
    rows = db.execute(
        text(
            f"SELECT {nearest_road_sql('p.geom')} AS by_piece, "
            "(SELECT r.name FROM road r ORDER BY ST_Distance(r.geom, p.geom), r.id LIMIT 1) "
            "AS by_road, (SELECT min(ST_Distance(r.geom, p.geom)) FROM road r) AS best, "
            "(SELECT min(ST_Distance(r.geom, p.geom)) FROM road r "
            f"WHERE r.name = {nearest_road_sql('p.geom')}) AS found "
            "FROM parcel p WHERE p.end_lifespan IS NULL ORDER BY md5(p.unit_code) LIMIT 60"
        )
    ).all()
    assert len(rows) == 60
    for r in rows:  # the same road, or one exactly as near (a corner between two)
        assert r.by_piece == r.by_road or abs(r.found - r.best) < 1e-12, r
