"""Sources (LA_Source): documents kept in the store (``gis.store``: ``files_dir`` or S3)
under ``sources/<ab>/<sha256>``.

A source's ``path`` as services pass it is either an absolute path of a local file (an
upload being received) or the key of a file already in the store (a survey's original);
the row keeps the key of its copy under ``sources/``.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from cadastre.registry.models import CaseDocument, Source
from gis.errors import InvalidInput
from gis.store import get_store, keep_bytes, keep_copy, local_copy

CHUNK = 1 << 20


def store_bytes(data: bytes) -> tuple[str, str]:
    """Keep ``data`` as a content-addressed object; returns (sha256, key)."""
    digest = hashlib.sha256(data).hexdigest()
    key = _key_for(digest)
    keep_bytes(data, key)
    return digest, key


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def store_file(src: Path) -> tuple[str, str]:
    """Put a copy of a local file into the source store; returns (sha256, key)."""
    digest = file_sha256(src)
    key = _key_for(digest)
    keep_copy(src, key)
    return digest, key


def _key_for(digest: str) -> str:
    return f"sources/{digest[:2]}/{digest}"


@contextlib.contextmanager
def _opened(path: str, field: str) -> Iterator[Path]:
    """The local file of a source's ``path`` (a local file, or a key of the store)."""
    if Path(path).is_absolute():
        if not Path(path).is_file():
            raise InvalidInput(f"source file {path!r} does not exist", field=field)
        yield Path(path)
        return
    try:
        there = get_store().exists(path)
    except ValueError:  # a key leaving the store's folder
        there = False
    if not there:
        raise InvalidInput(f"source file {path!r} is not in the store", field=field)
    with local_copy(path) as local:
        yield local


def check_source_file(source: dict[str, Any], field: str = "source") -> dict[str, Any]:
    """A source whose shape ``StoredSourceIn`` checked (kind, title, sha256): its file, if
    it names one, must exist and match the SHA-256 given; the digest is filled in."""
    sha, path = source.get("sha256"), source.get("path")
    if path is not None:
        with _opened(str(path), f"{field}.path") as local:
            digest = file_sha256(local)
        if sha is not None and sha != digest:
            raise InvalidInput(
                f"source file has SHA-256 {digest}, not the {sha} given", field=f"{field}.sha256"
            )
        sha = digest
    return {"kind": source["kind"], "title": source["title"], "sha256": sha, "path": path}


def add_source(session: Session, source: dict[str, Any], case_id: int | None = None) -> Source:
    """Record a checked source; a given file is kept in the store and its hash checked."""
    sha, path, size = source.get("sha256"), source.get("path"), None
    if path is not None:
        with _opened(str(path), "source.path") as local:
            digest = file_sha256(local)
            if sha is not None and sha != digest:
                raise InvalidInput(
                    f"source file has SHA-256 {digest}, not the {sha} given", field="source.sha256"
                )
            size = local.stat().st_size
            sha, path = store_file(local)
    row = Source(kind=source["kind"], title=source["title"], sha256=sha, path=path, size_bytes=size)
    session.add(row)
    session.flush()
    if case_id is not None:
        session.add(CaseDocument(case_id=case_id, source_id=row.id))
    return row


def add_upload(
    session: Session, kind: str, title: str, data: bytes, case_id: int | None = None
) -> Source:
    """Record an uploaded document, kept as a file named by its SHA-256."""
    digest, key = store_bytes(data)
    row = Source(kind=kind, title=title, sha256=digest, path=key, size_bytes=len(data))
    session.add(row)
    session.flush()
    if case_id is not None:
        session.add(CaseDocument(case_id=case_id, source_id=row.id))
    return row
