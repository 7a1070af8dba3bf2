"""Uploaded files streamed to temporary files within per-file and per-request limits.

The multipart parser already spools each part to disk past 1 MiB; :func:`receive`
copies the parts block by block into a private temporary folder, counting bytes per
file and for the whole request, so an upload is never held wholly in memory and one
over a limit is refused (413) as soon as the limit is passed. The folder and its files
are removed when the ``with`` block ends.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import UploadFile

from gis.errors import InvalidInput, PayloadTooLarge
from gis.limits import check_text

BLOCK = 1024 * 1024
MAX_NAME = 300


@dataclass(frozen=True)
class Received:
    """One uploaded file on disk: its (client) name, temporary path and size."""

    name: str
    path: Path
    size: int


@asynccontextmanager
async def receive(
    files: Sequence[UploadFile],
    *,
    max_files: int,
    file_bytes: int,
    request_bytes: int,
    field: str = "files",
) -> AsyncIterator[list[Received]]:
    """The uploads as temporary files, refused past ``max_files`` files, ``file_bytes``
    per file or ``request_bytes`` in all (413, naming ``field``)."""
    if len(files) > max_files:
        raise InvalidInput(f"最多 {max_files} 个文件；at most {max_files} files", field=field)
    folder = Path(tempfile.mkdtemp(prefix="landgis-upload-"))
    try:
        out: list[Received] = []
        total = 0
        for i, f in enumerate(files):
            name = (Path(f.filename or "").name or "document")[:MAX_NAME]
            check_text(name, f"{field}.{i}")
            path = folder / f"{i:03d}.part"
            size = await _copy(f, path, file_bytes, request_bytes - total, f"{field}.{i}")
            total += size
            out.append(Received(name, path, size))
        yield out
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def _copy(src: UploadFile, dest: Path, file_bytes: int, left: int, field: str) -> int:
    written = 0
    with dest.open("wb") as out:
        while block := await src.read(BLOCK):
            written += len(block)
            if written > file_bytes:
                raise PayloadTooLarge(
                    f"文件超过 {file_bytes} 字节；a file is over the limit of {file_bytes} bytes",
                    field=field,
                )
            if written > left:
                raise PayloadTooLarge(
                    "上传总量超限；the files together are over the request's limit", field=field
                )
            out.write(block)
    return written
