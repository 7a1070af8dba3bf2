"""The parcels' stored Web Mercator geometry (migration 0062, ``geom_3857``): the tiles drawn
from it are byte for byte the tiles drawn by transforming every row, and the database keeps
it equal to the register's geometry through every kind of write; no writer can set it."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from cadastre.collections import PARCELS
from cadastre.parcels import service
from gis.tiles.matrix import TMS, TileAddress
from gis.tiles.repository import render
from gis.tiles.tilesets import Tileset
from tests.cadastre.parcels.conftest import touching_pair
from tests.cadastre.test_partitions import NEW_ZONE, _copy_parcel, _zone_with_subzone

# rows whose stored copy differs from their geometry in Web Mercator (bit for bit)
DIFFERING = (
    "SELECT count(*) FROM parcel "
    "WHERE ST_AsEWKB(geom_3857) IS DISTINCT FROM ST_AsEWKB(ST_Transform(geom, 3857))"
)


def _district_tiles(db: Session, z: int) -> list[TileAddress]:
    w, s, e, n = db.execute(
        text(
            "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM "
            "(SELECT ST_Extent(geom) b FROM parcel WHERE end_lifespan IS NULL) q"
        )
    ).one()
    return [TileAddress(t.z, t.x, t.y) for t in TMS.tiles(w, s, e, n, [z])]


def test_tiles_from_the_stored_geometry_equal_tiles_transformed_per_row(db: Session) -> None:
    """Every z13 to z16 tile of the test district: the same bytes."""
    assert PARCELS.tile_geometry_column == "geom_3857"
    stored = Tileset(id=PARCELS.id, title="stored", layers=(PARCELS,))
    per_row = dataclasses.replace(PARCELS, tile_geometry_column=None)
    transformed = Tileset(id=PARCELS.id, title="per row", layers=(per_row,))
    tiles = [t for z in (13, 14, 15, 16) for t in _district_tiles(db, z)]
    drawn = 0
    for tile in tiles:
        a, b = render(db, stored, tile), render(db, transformed, tile)
        assert a.data == b.data, tile
        assert a.counts == b.counts
        drawn += bool(a.data)
    assert drawn >= 20  # the comparison saw real parcels, not empty tiles


def test_every_kind_of_write_keeps_the_stored_geometry(db: Session) -> None:
    """A register edit (split: a new version and a retired one), a plain insert, an update of
    the geometry, and rows moved out of the DEFAULT partition into a new zone's partition."""
    code, _ = touching_pair(db)
    row = service.get(db, code)
    box = db.execute(
        text(
            "SELECT ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) FROM parcel "
            "WHERE id = :i"
        ),
        {"i": row.id},
    ).one()
    x = (box[0] + box[2]) / 2
    line = {"type": "LineString", "coordinates": [[x, box[1] - 1e-3], [x, box[3] + 1e-3]]}
    split = service.split(db, code, if_match=[row.etag], actor="t", line=line)
    assert len(split.opened) == 2

    db.execute(
        text(
            "UPDATE parcel SET geom = ST_Translate(geom, 1e-4, 0) WHERE id IN "
            "(SELECT id FROM parcel WHERE end_lifespan IS NULL ORDER BY id DESC LIMIT 3)"
        )
    )
    db.execute(text("ALTER TABLE cadastral_zone DISABLE TRIGGER cadastral_zone_partition"))
    sub = _zone_with_subzone(db, NEW_ZONE)
    db.execute(text("ALTER TABLE cadastral_zone ENABLE TRIGGER cadastral_zone_partition"))
    moved = [_copy_parcel(db, sub, n) for n in (1, 2)]
    assert db.execute(text("SELECT parcel_zone_partition(:z)"), {"z": NEW_ZONE}).scalar_one()
    where = db.execute(
        text("SELECT DISTINCT tableoid::regclass::text FROM parcel WHERE id = ANY(:i)"),
        {"i": moved},
    ).scalar_one()
    assert where == f"parcel_{NEW_ZONE}"

    assert db.execute(text(DIFFERING)).scalar_one() == 0
    assert db.execute(text("SELECT count(*) FROM parcel WHERE geom_3857 IS NULL")).scalar_one() == 0


def test_no_writer_can_set_the_stored_geometry(db: Session) -> None:
    """The copy is the database's: an insert or update naming it is refused."""
    one = db.execute(text("SELECT id FROM parcel ORDER BY id LIMIT 1")).scalar_one()
    with pytest.raises(DBAPIError, match="geom_3857"), db.begin_nested():
        db.execute(
            text("UPDATE parcel SET geom_3857 = ST_Translate(geom_3857, 100, 0) WHERE id = :i"),
            {"i": one},
        )
    with pytest.raises(DBAPIError, match="geom_3857"), db.begin_nested():
        db.execute(
            text(
                "INSERT INTO parcel (unit_code, parcel_code, subzone_code, land_use, area_m2, "
                "ref_point, geom, geom_3857) SELECT unit_code, parcel_code, subzone_code, "
                "land_use, area_m2, ref_point, geom, geom_3857 FROM parcel WHERE id = :i"
            ),
            {"i": one},
        )
