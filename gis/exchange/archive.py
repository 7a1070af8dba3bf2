"""Safe handling of uploaded files and zip archives.

A zip is checked before anything is extracted: member names (no absolute paths or
``..``), member count (``limit_zip_members``), the sum of declared sizes against the
upload limit and ``limit_zip_total_bytes``, each member's compression ratio and the
whole archive's (``limit_zip_ratio``: many members each just under the per-member
threshold cannot add up to a bomb). Extraction then counts the bytes really written,
so an archive whose headers lie is stopped at the limit too.
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from gis.errors import InvalidInput, PayloadTooLarge
from gis.settings import get_settings

MAX_RATIO = 200  # uncompressed / compressed of one member; shapefiles rarely pass 20
RATIO_MIN_BYTES = 1 << 20  # tiny members (and tiny archives) may have any ratio
COPY_BLOCK = 1 << 20


def save_stream(src: BinaryIO, dest: Path, max_bytes: int, field: str = "file") -> int:
    """Copy ``src`` to ``dest`` in blocks, refusing (and deleting) past ``max_bytes``."""
    written = 0
    with dest.open("wb") as out:
        while block := src.read(COPY_BLOCK):
            written += len(block)
            if written > max_bytes:
                out.close()
                dest.unlink(missing_ok=True)
                raise PayloadTooLarge(
                    f"the file is larger than the limit of {max_bytes} bytes", field=field
                )
            out.write(block)
    if written == 0:
        dest.unlink(missing_ok=True)
        raise InvalidInput("the file is empty", field=field)
    return written


def check_zip(path: Path, max_bytes: int, field: str = "file") -> list[zipfile.ZipInfo]:
    """The members of a zip after the safety checks; raises before anything is extracted."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
    except zipfile.BadZipFile as exc:
        raise InvalidInput(f"not a readable zip archive: {exc}", field=field) from None
    limits = get_settings()
    if len(members) > limits.limit_zip_members:
        raise PayloadTooLarge(
            f"the zip holds {len(members)} members (limit {limits.limit_zip_members})", field=field
        )
    total = packed = 0
    for info in members:
        packed += info.compress_size
        name = PurePosixPath(info.filename)
        if name.is_absolute() or ".." in name.parts or "\\" in info.filename:
            raise InvalidInput(f"unsafe member name in zip: {info.filename!r}", field=field)
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_MIN_BYTES and ratio > MAX_RATIO:
            raise PayloadTooLarge(
                f"zip member {info.filename!r} expands {ratio:.0f} times (limit {MAX_RATIO}): "
                "refused as a zip bomb",
                field=field,
            )
    _check_totals(total, packed, min(max_bytes, limits.limit_zip_total_bytes), field)
    return members


def _check_totals(total: int, packed: int, max_bytes: int, field: str) -> None:
    """The whole archive: expanded size within ``max_bytes``, overall ratio bounded."""
    if total > max_bytes:
        raise PayloadTooLarge(
            f"the zip would expand to {total} bytes, over the limit of {max_bytes}", field=field
        )
    ratio = total / max(packed, 1)
    limit = get_settings().limit_zip_ratio
    if total > RATIO_MIN_BYTES and ratio > limit:
        raise PayloadTooLarge(
            f"the zip expands {ratio:.0f} times in all (limit {limit}): refused as a zip bomb",
            field=field,
        )


def extract_zip(path: Path, dest: Path, max_bytes: int, field: str = "file") -> list[Path]:
    """Extract a checked zip into ``dest``, counting real bytes; returns the files written."""
    members = check_zip(path, max_bytes, field)
    max_bytes = min(max_bytes, get_settings().limit_zip_total_bytes)
    written = 0
    out: list[Path] = []
    with zipfile.ZipFile(path) as zf:
        for info in members:
            if info.is_dir():
                continue
            target = dest / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, target.open("wb") as dst:
                while block := src.read(COPY_BLOCK):
                    written += len(block)
                    if written > max_bytes:
                        raise PayloadTooLarge(
                            f"the zip expands past the limit of {max_bytes} bytes", field=field
                        )
                    dst.write(block)
            out.append(target)
    return out


def zip_files(files: Iterable[Path], dest: Path) -> Path:
    """Write ``files`` (flat, by name) into the zip ``dest``."""
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for f in files:
            zf.write(f, arcname=f.name)
    return dest


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
