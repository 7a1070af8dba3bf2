"""Confine raster imports by server path to one folder (setting ``raster_import_root``).

An import by ``path`` makes the server read a file of its own disk, so only files inside
the import root are accepted, judged after symbolic links and ``..`` are resolved. A
relative path is taken relative to the root. The import then reads the resolved path,
so a link re-pointed after the check cannot send it elsewhere. A path outside the root
is refused the same way whether or not it exists (nothing is learnt about other files).
"""

from __future__ import annotations

import os
from pathlib import Path

from gis.errors import InvalidInput, PermissionDenied
from gis.settings import get_settings

FIELD = "path"


class ImportPathOutsideRoot(PermissionDenied):
    """The path names a file outside the raster import folder."""


class ImportPathMissing(InvalidInput):
    """The path is inside the import folder but names no readable file."""


def import_root() -> Path:
    """The import folder with its own links resolved (it need not exist yet)."""
    return get_settings().raster_import_root.resolve()


def _where(root: Path) -> str:
    return (
        f"copy the file into the server's import folder {root} (setting "
        "LANDGIS_RASTER_IMPORT_ROOT) and give its path relative to that folder, "
        "or upload it as 'file'"
    )


def confine(given: str) -> Path:
    """The resolved path of a file inside the import root; refuse anything else."""
    root = import_root()
    if not given.strip() or "\x00" in given:
        raise ImportPathMissing(f"give a file name; {_where(root)}", field=FIELD)
    candidate = Path(given)
    if not candidate.is_absolute():
        candidate = root / candidate
    if not Path(os.path.normpath(candidate)).is_relative_to(root):
        raise ImportPathOutsideRoot(
            f"{given!r} is outside the import folder; {_where(root)}", field=FIELD
        )
    try:
        resolved = candidate.resolve(strict=True)
    except (OSError, RuntimeError):  # missing, a broken link, a loop of links
        raise ImportPathMissing(
            f"no file {given!r} in the import folder; {_where(root)}", field=FIELD
        ) from None
    if not resolved.is_relative_to(root):
        raise ImportPathOutsideRoot(
            f"{given!r} leads outside the import folder (a link or '..'); {_where(root)}",
            field=FIELD,
        )
    if not resolved.is_file():
        raise ImportPathMissing(f"{given!r} is not a file; {_where(root)}", field=FIELD)
    return resolved
