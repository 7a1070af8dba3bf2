"""Keeping original survey files under ``files_dir/surveys`` by their SHA-256."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from gis.settings import get_settings


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def keep_original(path: Path, sha256: str, suffix: str) -> Path:
    """Copy the uploaded file to its content-addressed place; returns that path."""
    folder = get_settings().files_dir / "surveys" / sha256[:2]
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / f"{sha256}{suffix.lower()}"
    if not dest.exists():
        tmp = dest.with_suffix(dest.suffix + ".part")
        shutil.copyfile(path, tmp)
        tmp.replace(dest)
    return dest
