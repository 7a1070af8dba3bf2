"""Bulk loads: rows COPYed straight into the register with its indexes, foreign keys and
tile trigger suspended, then rebuilt; every check still applies and a refusal restores
the register and its indexes as they were."""

from __future__ import annotations

import pyogrio
import pytest
import shapely
from sqlalchemy import text

from cadastre.exchange.importer import (
    BULK_MIN_ROWS,
    ImportOptions,
    ImportRefused,
    import_parcels,
)
from tests.cadastre.exchange.conftest import current_count, retire
from tests.cadastre.exchange.test_pipeline import _last_overlaps_first

MAX = 1 << 30


def upkeep(db) -> dict[str, object]:
    """What a bulk load suspends: the parcel table's indexes, foreign keys and triggers."""
    return {
        "indexes": sorted(
            db.execute(text("SELECT indexdef FROM pg_indexes WHERE tablename = 'parcel'")).scalars()
        ),
        "foreign_keys": sorted(
            db.execute(
                text(
                    "SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = 'parcel'::regclass AND contype = 'f'"
                )
            ).scalars()
        ),
        "triggers": sorted(
            db.execute(
                text(
                    "SELECT tgname || ' ' || tgenabled::text FROM pg_trigger "
                    "WHERE tgrelid = 'parcel'::regclass AND NOT tgisinternal"
                )
            ).scalars()
        ),
    }


def whole_table_changes(db) -> int:
    return db.execute(
        text("SELECT count(*) FROM tile_change WHERE table_name = 'parcel' AND west IS NULL")
    ).scalar_one()


def bulk(**kw) -> ImportOptions:
    return ImportOptions(chunk=3, bulk=True, **kw)


def test_bulk_load_rebuilds_what_it_suspended(db, subzone, exported, tmp_path) -> None:
    n = retire(db, subzone)
    before, kept, changes = current_count(db), upkeep(db), whole_table_changes(db)
    assert len(kept["indexes"]) >= 5 and kept["foreign_keys"] and kept["triggers"]
    result = import_parcels(db, exported, tmp_path, bulk(), MAX)
    assert result.bulk and result.read == result.imported == n and result.rejected == 0
    assert current_count(db) == before + n
    assert upkeep(db) == kept  # same index definitions, foreign keys, triggers enabled
    assert whole_table_changes(db) == changes + 1  # every cached parcel tile is redrawn
    # the rows are whole register rows: first versions, areas and reference points set
    bad = db.execute(
        text(
            "SELECT count(*) FROM parcel WHERE subzone_code = :s AND end_lifespan IS NULL "
            "AND (version <> 1 OR reg_status <> 'registered' OR NOT ST_Intersects(ref_point, geom) "
            "OR abs(area_m2 - ST_Area(ST_Transform(geom, 4547))) > 0.006)"
        ),
        {"s": subzone},
    ).scalar_one()
    assert bad == 0


def test_refused_bulk_load_restores_register_and_indexes(db, subzone, exported, tmp_path) -> None:
    """Tried: the last row of the file overlaps its first; all-or-nothing."""
    retire(db, subzone)
    before, kept = current_count(db), upkeep(db)
    dest, frame = _last_overlaps_first(exported, tmp_path)
    with pytest.raises(ImportRefused), db.begin_nested():
        import_parcels(db, dest, tmp_path, bulk(), MAX)
    assert current_count(db) == before
    assert upkeep(db) == kept
    rows = (tmp_path / "rejected_rows.csv").read_text("utf-8-sig")
    assert f"overlaps row {len(frame)} ({frame.unit_code.iloc[-1]}) of the file" in rows


def test_bulk_valid_only_leaves_the_overlapping_rows_out(db, subzone, exported, tmp_path) -> None:
    retire(db, subzone)
    before = current_count(db)
    dest, frame = _last_overlaps_first(exported, tmp_path)
    result = import_parcels(db, dest, tmp_path, bulk(valid_only=True), MAX)
    assert result.rejected >= 2 and result.imported == len(frame) - result.rejected
    assert current_count(db) == before + result.imported
    present = set(
        db.execute(
            text("SELECT unit_code FROM parcel WHERE subzone_code = :s AND end_lifespan IS NULL"),
            {"s": subzone},
        ).scalars()
    )
    assert frame.unit_code.iloc[-1] not in present and frame.unit_code[0] not in present


def test_bulk_codes_and_overlaps_with_the_register(db, subzone, exported, tmp_path) -> None:
    """Tried: a registered parcel's code on one row, a registered parcel's land on another,
    both from another subzone; all-or-nothing names both, valid-only drops both."""
    retire(db, subzone)
    taken_code, taken_geom = db.execute(
        text(
            "SELECT unit_code, ST_AsBinary(geom) FROM parcel WHERE end_lifespan IS NULL "
            "AND subzone_code <> :s ORDER BY id LIMIT 1"
        ),
        {"s": subzone},
    ).one()
    frame = pyogrio.read_dataframe(exported)
    frame.loc[0, "unit_code"] = taken_code
    frame.loc[len(frame) - 1, "geometry"] = shapely.from_wkb(bytes(taken_geom))
    dest = tmp_path / "taken.gpkg"
    frame.to_file(dest)
    before, kept = current_count(db), upkeep(db)
    with pytest.raises(ImportRefused), db.begin_nested():
        import_parcels(db, dest, tmp_path, bulk(), MAX)
    assert current_count(db) == before and upkeep(db) == kept
    rows = (tmp_path / "rejected_rows.csv").read_text("utf-8-sig")
    assert f"unit code {taken_code} is already registered" in rows
    assert f"overlaps registered parcel {taken_code}" in rows
    result = import_parcels(db, dest, tmp_path, bulk(valid_only=True), MAX)
    assert result.rejected == 2 and result.imported == len(frame) - 2
    assert current_count(db) == before + result.imported
    assert upkeep(db) == kept


def test_small_files_are_staged_not_bulk_loaded(db, subzone, exported, tmp_path) -> None:
    retire(db, subzone)
    assert len(pyogrio.read_dataframe(exported)) < BULK_MIN_ROWS
    result = import_parcels(db, exported, tmp_path, ImportOptions(chunk=3), MAX)
    assert not result.bulk and result.imported > 0
