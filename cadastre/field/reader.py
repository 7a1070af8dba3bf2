"""Reading a checked-in package: a GeoPackage or the zipped folder (GeoPackage, project,
photos), checked whole before anything is read, so a truncated or corrupt upload is
refused (422) and changes nothing."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import pyogrio
import shapely

from gis.errors import InvalidInput
from gis.exchange.archive import extract_zip
from gis.settings import get_settings

SQLITE_MAGIC = b"SQLite format 3\x00"
ZIP_MAGIC = b"PK\x03\x04"
LAYERS = ("parcels", "boundary_points", "change_patches", "observations")


@dataclass
class Upload:
    """A checked upload unpacked in ``folder``: the GeoPackage and its manifest row."""

    folder: Path
    gpkg: Path
    manifest: dict[str, Any]

    def photo(self, relative: str) -> Path | None:
        """The photo file a row names (relative to the package folder), if it was sent."""
        rel = PurePosixPath(relative.replace("\\", "/"))
        if not relative or rel.is_absolute() or ".." in rel.parts:
            return None
        for base in (self.folder, self.gpkg.parent):
            path = base.joinpath(*rel.parts)
            if path.is_file():
                return path
        return None

    def blob_photo(self, key: str, data: bytes) -> Path:
        """A photo stored in the GeoPackage (a BLOB) as a file of the upload's folder,
        named by its image format; a Refusal-worthy ValueError when it is no image."""
        suffix = {b"\xff\xd8\xff": ".jpg", b"\x89PNG": ".png", b"RIFF": ".webp"}
        ext = next((e for magic, e in suffix.items() if data.startswith(magic)), None)
        if ext is None:
            raise ValueError("not a JPEG, PNG or WebP image")
        path = self.folder / "blobs" / (hashlib.sha256(key.encode()).hexdigest()[:16] + ext)
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        return path


def _bad(reason_zh: str, reason_en: str) -> InvalidInput:
    return InvalidInput(f"{reason_zh}；{reason_en}", field="file")


def unpack(path: Path, folder: Path) -> Upload:
    """Check and unpack an uploaded .gpkg or .zip into ``folder``."""
    with path.open("rb") as f:
        head = f.read(16)
    if head.startswith(ZIP_MAGIC):
        gpkg = _unzip(path, folder)
    elif head == SQLITE_MAGIC:
        gpkg = folder / "package.gpkg"
        shutil.copyfile(path, gpkg)
    else:
        raise _bad("文件不是地理包或其压缩包", "the file is neither a GeoPackage nor a zip of one")
    check_sqlite(gpkg)
    return Upload(folder, gpkg, _manifest(gpkg))


def _unzip(path: Path, folder: Path) -> Path:
    """Extract a zipped package folder with the house's zip checks (member names, count,
    size, zip-bomb ratios) after every member's CRC was checked."""
    try:
        with zipfile.ZipFile(path) as z:
            if z.testzip() is not None:
                raise _bad("压缩包已损坏", "the zip is corrupt (a file fails its CRC)")
        extract_zip(path, folder, get_settings().upload_max_bytes)
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise _bad("压缩包不完整或已损坏", f"the zip is truncated or corrupt ({exc})") from exc
    found = sorted(p for p in folder.rglob("*.gpkg"))
    if len(found) != 1:
        raise _bad("压缩包中须恰有一个 .gpkg", "the zip must hold exactly one .gpkg file")
    return found[0]


def check_sqlite(gpkg: Path) -> None:
    """Refuse a truncated or corrupt SQLite file: the header's page count must match the
    file's size and ``PRAGMA integrity_check`` must pass."""
    data = gpkg.open("rb").read(100)
    if len(data) < 100 or not data.startswith(SQLITE_MAGIC):
        raise _bad("地理包不完整", "the GeoPackage is truncated")
    page = int.from_bytes(data[16:18], "big")
    page = 65536 if page == 1 else page
    pages = int.from_bytes(data[28:32], "big")
    if pages and gpkg.stat().st_size < page * pages:
        raise _bad(
            "地理包不完整（文件被截断）",
            "the GeoPackage is truncated (fewer pages than its header says)",
        )
    try:
        con = sqlite3.connect(f"file:{gpkg}?mode=ro", uri=True)
        try:
            result = con.execute("PRAGMA integrity_check").fetchall()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise _bad("地理包已损坏", f"the GeoPackage is corrupt ({exc})") from exc
    if result != [("ok",)]:
        raise _bad("地理包已损坏", f"the GeoPackage is corrupt: {result[0][0]}")


def _manifest(gpkg: Path) -> dict[str, Any]:
    try:
        frame = pyogrio.read_dataframe(gpkg, layer="manifest", read_geometry=False)
    except Exception as exc:  # noqa: BLE001 - any GDAL failure means an unusable package
        raise _bad("地理包中没有清单表", "the GeoPackage has no manifest table") from exc
    if len(frame) != 1:
        raise _bad("清单表须恰有一行", "the manifest table must hold exactly one row")
    return {str(k): v for k, v in frame.iloc[0].to_dict().items()}


def rows(upload: Upload, layer: str) -> list[dict[str, Any]]:
    """The rows of one layer as dicts (``fid``, attributes, ``geom`` shapely or None)."""
    try:
        frame = pyogrio.read_dataframe(upload.gpkg, layer=layer, fid_as_index=True)
    except Exception as exc:  # noqa: BLE001
        raise _bad(f"无法读取图层 {layer}", f"layer {layer} cannot be read ({exc})") from exc
    out = []
    for fid, record in frame.iterrows():
        row = {str(k): _plain(v) for k, v in record.items() if k != "geometry"}
        geom = record.get("geometry")
        row["geom"] = geom if isinstance(geom, shapely.Geometry) and not geom.is_empty else None
        row["fid"] = int(fid)  # type: ignore[call-overload]
        out.append(row)
    return out


def _plain(value: Any) -> Any:
    """NaN/NA to None, numpy scalars to Python."""
    if value is None:
        return None
    try:
        if value != value:  # NaN
            return None
    except (TypeError, ValueError):
        return None if str(value) == "<NA>" else value
    return value.item() if hasattr(value, "item") else value
