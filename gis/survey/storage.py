"""Keeping original survey files in the store (``gis.store``) by their SHA-256:
``surveys/<ab>/<sha256>.<ext>``, on local disk or S3, readable by every server process."""

from __future__ import annotations

import hashlib
from pathlib import Path

from gis.store import keep_copy

SURVEY_DIR = "surveys"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def original_key(sha256: str, suffix: str) -> str:
    """The store key of the original file with this content and suffix."""
    return f"{SURVEY_DIR}/{sha256[:2]}/{sha256}{suffix.lower()[:10]}"


def keep_original(path: Path, sha256: str, suffix: str) -> tuple[str, bool]:
    """Put a copy of the uploaded file at its content-addressed key (``path`` stays);
    returns the key and whether it was written now (not there before)."""
    key = original_key(sha256, suffix)
    return key, keep_copy(path, key)
