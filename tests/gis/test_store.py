"""The local store (the default): keys stay inside ``files_dir``; a file moves in by rename."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from gis.store import LocalStore, keep_copy, key_of, local_copy


def test_a_key_cannot_leave_the_store(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "files")
    (tmp_path / "secret.txt").write_text("not yours")
    for key in ("../secret.txt", "rasters/../../secret.txt", "/etc/passwd"):
        with pytest.raises(ValueError):
            store.gdal_path(key)
        with pytest.raises(ValueError):
            store.delete(key)
    assert (tmp_path / "secret.txt").exists()


def test_put_moves_the_file_in_and_delete_removes_it(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "files")
    made = store.staging("rasters")
    made.mkdir(parents=True)
    (made / "a.tif").write_bytes(b"II*\x00")
    store.put_file(made / "a.tif", "rasters/a.tif")  # already in place: kept
    assert store.exists("rasters/a.tif") and store.download_url("rasters/a.tif", "a") is None
    elsewhere = tmp_path / "b.tif"
    elsewhere.write_bytes(b"MM\x00*")
    store.put_file(elsewhere, "photos/b.tif")
    assert (
        not elsewhere.exists()
        and store.local_path("photos/b.tif") == (tmp_path / "files" / "photos" / "b.tif").resolve()
    )
    store.delete("photos/b.tif")
    store.delete("photos/b.tif")  # a missing key is no error
    assert not store.exists("photos/b.tif")


def test_put_from_another_file_system_copies_whole_then_renames(tmp_path: Path) -> None:
    """A job's scratch may be on another file system (/dev/shm is tmpfs here): no rename
    across devices, so the file is copied beside its key and renamed in."""
    shm = Path("/dev/shm")
    assert shm.stat().st_dev != tmp_path.stat().st_dev  # the case under test
    store = LocalStore(tmp_path / "files")
    scratch = shm / f"landgis-test-{uuid.uuid4().hex}.gpkg"
    scratch.write_bytes(b"SQLite format 3\x00 export")
    try:
        store.put_file(scratch, "jobs/j1/parcels.gpkg")
    finally:
        kept_scratch = scratch.exists()
        scratch.unlink(missing_ok=True)
    assert not kept_scratch
    assert store.local_path("jobs/j1/parcels.gpkg").read_bytes() == b"SQLite format 3\x00 export"  # type: ignore[union-attr]
    assert [p.name for p in (tmp_path / "files" / "jobs" / "j1").iterdir()] == ["parcels.gpkg"]


def test_keep_copy_leaves_the_source_and_writes_a_key_once(tmp_path: Path) -> None:
    from gis.settings import get_settings, override_settings

    current = get_settings()
    override_settings(current.model_copy(update={"data_dir": tmp_path / "data"}))
    try:
        src = tmp_path / "survey.gpx"
        src.write_bytes(b"<gpx/>")
        assert keep_copy(src, "surveys/ab/abc.gpx") is True
        assert keep_copy(src, "surveys/ab/abc.gpx") is False  # content-addressed: there
        assert src.read_bytes() == b"<gpx/>"
        with local_copy("surveys/ab/abc.gpx") as local:
            assert local.read_bytes() == b"<gpx/>"
        assert key_of(str(tmp_path / "data" / "files" / "surveys" / "ab" / "abc.gpx")) == (
            "surveys/ab/abc.gpx"
        )  # a row written before the store named the absolute path
        assert key_of("surveys/ab/abc.gpx") == "surveys/ab/abc.gpx"
        staged = tmp_path / "data" / "files" / ".incoming"
        assert not staged.exists() or list(staged.iterdir()) == []
    finally:
        override_settings(current)
