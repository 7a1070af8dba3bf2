"""Safe handling of uploaded files and zip archives.

A zip is checked before anything is extracted: member names (no absolute paths or
``..``), member count, the sum of declared sizes against the upload limit and each
member's compression ratio (zip bombs). Extraction then counts the bytes really
written, so an archive whose headers lie is stopped at the limit too.
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from gis.errors import InvalidInput, PayloadTooLarge

MAX_MEMBERS = 10_000
MAX_RATIO = 200  # uncompressed / compressed; shapefiles rarely pass 20
RATIO_MIN_BYTES = 1 << 20  # tiny members may have any ratio
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
    if len(members) > MAX_MEMBERS:
        raise InvalidInput(
            f"the zip holds {len(members)} members (limit {MAX_MEMBERS})", field=field
        )
    total = 0
    for info in members:
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
    if total > max_bytes:
        raise PayloadTooLarge(
            f"the zip would expand to {total} bytes, over the limit of {max_bytes}", field=field
        )
    return members


def extract_zip(path: Path, dest: Path, max_bytes: int, field: str = "file") -> list[Path]:
    """Extract a checked zip into ``dest``, counting real bytes; returns the files written."""
    members = check_zip(path, max_bytes, field)
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
