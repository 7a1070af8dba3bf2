"""Sources (LA_Source): documents kept as files under ``files_dir/sources`` named by SHA-256."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from cadastre.registry.models import CaseDocument, Source
from gis.errors import InvalidInput
from gis.settings import get_settings

CHUNK = 1 << 20


def store_bytes(data: bytes) -> tuple[str, Path]:
    """Keep ``data`` as a content-addressed file; returns (sha256, path)."""
    digest = hashlib.sha256(data).hexdigest()
    path = _path_for(digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    return digest, path


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def store_file(src: Path) -> tuple[str, Path]:
    """Copy an existing file into the source store; returns (sha256, path)."""
    digest = file_sha256(src)
    path = _path_for(digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, path.with_suffix(".part"))
        path.with_suffix(".part").replace(path)
    return digest, path


def _path_for(digest: str) -> Path:
    return get_settings().files_dir / "sources" / digest[:2] / digest


def check_source_file(source: dict[str, Any], field: str = "source") -> dict[str, Any]:
    """A source whose shape ``StoredSourceIn`` checked (kind, title, sha256): its file, if
    it names one, must exist and match the SHA-256 given; the digest is filled in."""
    sha, path = source.get("sha256"), source.get("path")
    if path is not None:
        if not Path(path).is_file():
            raise InvalidInput(f"source file {path!r} does not exist", field=f"{field}.path")
        digest = file_sha256(Path(path))
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
        digest, kept = store_file(Path(path))
        if sha is not None and sha != digest:
            raise InvalidInput(
                f"source file has SHA-256 {digest}, not the {sha} given", field="source.sha256"
            )
        sha, path, size = digest, str(kept), kept.stat().st_size
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
    digest, kept = store_bytes(data)
    row = Source(kind=kind, title=title, sha256=digest, path=str(kept), size_bytes=len(data))
    session.add(row)
    session.flush()
    if case_id is not None:
        session.add(CaseDocument(case_id=case_id, source_id=row.id))
    return row
