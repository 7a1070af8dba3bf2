"""A bulk import in several chunks: read ahead, each chunk checked and published in turn."""

from __future__ import annotations

import time

import pyogrio
import pytest
import shapely
from sqlalchemy import text

from cadastre.exchange.importer import ImportOptions, ImportRefused, import_parcels
from cadastre.exchange.pipeline import Background, prefetched
from tests.cadastre.exchange.conftest import current_count, retire

MAX = 1 << 30


def test_chunks_are_published_in_turn(db, subzone, exported, tmp_path) -> None:
    n = retire(db, subzone)
    before = current_count(db)
    result = import_parcels(db, exported, tmp_path, ImportOptions(chunk=3), MAX)
    assert result.read == result.imported == n and result.rejected == 0
    assert current_count(db) == before + n


def _last_overlaps_first(exported, tmp_path):
    """The file with its last parcel moved onto the first (and so also onto its neighbours)."""
    frame = pyogrio.read_dataframe(exported)
    frame.loc[len(frame) - 1, "geometry"] = shapely.MultiPolygon(
        [shapely.affinity.translate(frame.geometry[0].geoms[0], 1e-5, 1e-5)]
    )
    dest = tmp_path / "late.gpkg"
    frame.to_file(dest)
    return dest, frame


@pytest.mark.parametrize("valid_only", [False, True])
def test_late_overlap_after_published_chunks(db, subzone, exported, tmp_path, valid_only) -> None:
    """Row 1 (chunk 1, published early) and the last row overlap: an overlap within the file,
    never one "with the register"; all-or-nothing leaves the register as it was."""
    retire(db, subzone)
    before = current_count(db)
    dest, frame = _last_overlaps_first(exported, tmp_path)
    last = len(frame)
    options = ImportOptions(chunk=3, valid_only=valid_only)
    if valid_only:
        result = import_parcels(db, dest, tmp_path, options, MAX)
        assert result.rejected >= 2 and result.imported == last - result.rejected
        assert current_count(db) == before + result.imported
    else:
        with pytest.raises(ImportRefused), db.begin_nested():
            import_parcels(db, dest, tmp_path, options, MAX)
        assert current_count(db) == before
    rows = (tmp_path / "rejected_rows.csv").read_text("utf-8-sig")
    assert f"overlaps row {last} ({frame.unit_code.iloc[-1]}) of the file" in rows
    assert f"overlaps row 1 ({frame.unit_code[0]}) of the file" in rows
    assert "registered parcel" not in rows


def test_prefetched_keeps_order_and_reraises() -> None:
    assert list(prefetched(iter(range(5)))) == [0, 1, 2, 3, 4]

    def failing():
        yield 1
        raise ValueError("bad chunk")

    got = []
    with pytest.raises(ValueError, match="bad chunk"):
        for item in prefetched(failing()):
            got.append(item)
    assert got == [1]


def test_prefetched_stops_its_reader_when_left_early() -> None:
    made = []

    def items():
        for i in range(100):
            made.append(i)
            yield i

    stream = prefetched(items())
    assert next(stream) == 0
    stream.close()
    time.sleep(0.2)
    assert len(made) < 5


def test_background_result_and_error() -> None:
    assert Background(lambda: 42).result() == 42
    with pytest.raises(ZeroDivisionError):
        Background(lambda: 1 // 0).result()


def test_late_register_conflict_after_published_chunks(db, subzone, exported, tmp_path) -> None:
    """The last row takes a unit code registered elsewhere: refused, register unchanged."""
    retire(db, subzone)
    taken = db.execute(
        text(
            "SELECT unit_code FROM parcel WHERE end_lifespan IS NULL AND subzone_code <> :s LIMIT 1"
        ),
        {"s": subzone},
    ).scalar_one()
    frame = pyogrio.read_dataframe(exported)
    frame.loc[len(frame) - 1, "unit_code"] = taken
    dest = tmp_path / "taken.gpkg"
    frame.to_file(dest)
    before = current_count(db)
    with pytest.raises(ImportRefused), db.begin_nested():
        import_parcels(db, dest, tmp_path, ImportOptions(chunk=3), MAX)
    assert current_count(db) == before
    rows = (tmp_path / "rejected_rows.csv").read_text("utf-8-sig")
    assert f"unit code {taken} is already registered" in rows


@pytest.mark.parametrize("valid_only", [False, True])
def test_an_overlap_within_one_chunk_is_found(db, subzone, exported, tmp_path, valid_only) -> None:
    """The whole file in one chunk: the pair is found once the file is read."""
    retire(db, subzone)
    before = current_count(db)
    dest, frame = _last_overlaps_first(exported, tmp_path)
    options = ImportOptions(chunk=10_000, valid_only=valid_only)
    if valid_only:
        result = import_parcels(db, dest, tmp_path, options, MAX)
        assert result.rejected >= 2 and current_count(db) == before + result.imported
    else:
        with pytest.raises(ImportRefused), db.begin_nested():
            import_parcels(db, dest, tmp_path, options, MAX)
        assert current_count(db) == before
    rows = (tmp_path / "rejected_rows.csv").read_text("utf-8-sig")
    assert f"overlaps row {len(frame)} ({frame.unit_code.iloc[-1]}) of the file" in rows
