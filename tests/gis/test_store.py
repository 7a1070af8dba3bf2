"""The local store (the default): keys stay inside ``files_dir``; a file moves in by rename."""

from __future__ import annotations

from pathlib import Path

import pytest

from gis.store import LocalStore


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
