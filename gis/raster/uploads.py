"""Receive uploaded files within the size limit: rasters into ``files_dir`` for the
import only, field photos into the store (``gis.store``: ``files_dir`` or S3)."""

from __future__ import annotations

import contextlib
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from gis.errors import InvalidInput, PayloadTooLarge
from gis.settings import get_settings
from gis.store import get_store

CHUNK = 1024 * 1024
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}


def _safe_suffix(filename: str) -> str:
    name = Path(filename or "upload").name.lower()
    for double in (".hgt.zip",):
        if name.endswith(double):
            return ".zip"
    return Path(name).suffix[:10]


def save_stream(stream: BinaryIO, folder: Path, filename: str, field: str) -> Path:
    """Copy ``stream`` to a new file in ``folder``; refuse it past ``upload_max_bytes``."""
    limit = get_settings().upload_max_bytes
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{_safe_suffix(filename)}"
    written = 0
    try:
        with path.open("wb") as out:
            while chunk := stream.read(CHUNK):
                written += len(chunk)
                if written > limit:
                    raise PayloadTooLarge(f"the upload is over {limit} bytes", field=field)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if written == 0:
        path.unlink(missing_ok=True)
        raise InvalidInput("the uploaded file is empty", field=field)
    return path


@contextmanager
def incoming(stream: BinaryIO, filename: str) -> Iterator[Path]:
    """An uploaded raster kept under ``files_dir/rasters/.incoming`` for the import only.

    The original file name is kept (in a private folder) so drivers that look at the
    name (``N10W110.hgt`` inside a zip, world files) see it.
    """
    folder = get_settings().files_dir / "rasters" / ".incoming" / uuid.uuid4().hex
    try:
        tmp = save_stream(stream, folder, filename, "file")
        name = Path(filename or "").name
        named = folder / (name if name not in ("", ".", "..") else tmp.name)
        tmp.rename(named)
        yield named
    finally:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(folder)


def save_photo(stream: BinaryIO, filename: str) -> str:
    """Store a field photo; return its key in the store (``change_photos/<uuid>.<ext>``)."""
    if Path(filename or "").suffix.lower() not in PHOTO_SUFFIXES:
        raise InvalidInput("the photo must be a JPEG, PNG or WebP file", field="photo")
    store = get_store()
    path = save_stream(stream, store.staging(PHOTO_DIR), filename, "photo")
    key = f"{PHOTO_DIR}/{path.name}"
    try:
        store.put_file(path, key)
    except BaseException:
        path.unlink(missing_ok=True)  # an upload that failed leaves no local copy
        raise
    return key


PHOTO_DIR = "change_photos"
