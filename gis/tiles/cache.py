"""The tile cache: an in-memory LRU, and files on disk when ``tile_cache_dir`` is set.

Freshness rule: the cache has a *watermark*, per tracked table the newest change-log
sequence number whose changes it has applied (:class:`~gis.tiles.repository.Marks`).
Edits of one table commit in sequence order (each holds its table's advisory lock until
it commits; writers of different tables do not wait for each other), so a table's mark
says exactly which of its changes a snapshot sees. Before each lookup the caller passes
the newest committed marks (:meth:`TileCache.sync`); the cache loads each table's
changes above its own mark and drops exactly the cached tiles whose area (grown by the
MVT buffer) meets a changed bounding box of one of their tables. A tile is stored only
when the marks of its tables in the snapshot it was made from equal the watermark's, so
a tile made before an edit can never be stored after the edit was applied. Disk files
carry the marks they were made at and are re-checked against the change log when older.

Pruning: the change log keeps ``tile_change_keep_hours`` (a reader whose mark of a
table is older than the pruned rows is handed one whole-table change: it drops that
table's tiles); :func:`prune_disk` removes disk tiles older than
``tile_cache_disk_max_days`` and then the oldest until the folder holds at most
``tile_cache_disk_max_bytes``; the raster tiles' folder (``raster-tiles``, written by
``gis.raster.tilecache``) is pruned by the same function with its own budget,
``raster_tile_cache_disk_max_bytes``. All run from the tile requests, at most every
``tile_prune_interval_s`` per process (``gis.tiles.freshness``).
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from gis.tiles.matrix import TileAddress, tile_range
from gis.tiles.repository import Change, Marks, Ranges
from gis.tiles.shared import SharedTiles

HEADER = struct.Struct(">QI")  # format version, length of the JSON metadata that follows
DISK_FORMAT = 2  # 2: the metadata holds the marks of the tile's tables
SUFFIX = ".mvt"
RASTER_FOLDER = "raster-tiles"  # the raster tiles under tile_cache_dir (gis.raster.tilecache)
TMP_SUFFIX = ".tmp"  # a tile being written: "<tile>.<pid>.<thread>.tmp", then renamed
TMP_MAX_AGE_S = 3600.0  # a temporary file older than this was left by a crash
Loader = Callable[[Ranges], Iterable[Change]]


@dataclass(frozen=True)
class TileKey:
    """A cached tile: which tileset and which tile."""

    tileset: str
    tile: TileAddress


@dataclass
class CachedTile:
    """Bytes of a tile with what is needed to serve and to invalidate it."""

    data: bytes
    marks: Marks  # the change-log marks of ``tables`` in the snapshot it was made from
    tables: frozenset[str]
    meta: dict[str, str] = field(default_factory=dict)  # extra response headers

    @cached_property
    def etag(self) -> str:
        """A strong ETag: a hash of the bytes (computed once per cached tile)."""
        return '"' + hashlib.blake2b(self.data, digest_size=12).hexdigest() + '"'


def touches(change: Change, key: TileKey, tables: frozenset[str]) -> bool:
    """Whether ``change`` can alter the tile ``key`` made from ``tables``."""
    if change.table not in tables:
        return False
    if change.bbox is None:
        return True
    x0, y0, x1, y1 = tile_range(change.bbox, key.tile.z)
    return x0 <= key.tile.x <= x1 and y0 <= key.tile.y <= y1


class TileCache:
    """Thread-safe LRU of tiles kept fresh against the database's tile change log."""

    def __init__(
        self, max_items: int, disk_dir: Path | None = None, shared: SharedTiles | None = None
    ) -> None:
        self.max_items = max_items
        self.disk_dir = disk_dir
        self.shared = shared  # Redis, shared by every process (gis.tiles.shared)
        self.watermark: Marks | None = None
        self._behind = False  # a tile made after the watermark was refused: sync next
        self._items: OrderedDict[TileKey, CachedTile] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.disk_hits = 0
        self.shared_hits = 0

    def __len__(self) -> int:
        return len(self._items)

    def sync(self, latest: Marks, load: Loader) -> None:
        """Apply the changes up to ``latest``; ``load({table: (after, upto)})`` reads them
        from the log."""
        with self._lock:
            self._behind = False
            if self.watermark == latest:
                return
            ranges = None if self.watermark is None else behind(self.watermark, latest)
            if ranges is None:
                # First use, or the log went backwards (database reset, rolled-back test data).
                self._items.clear()
            elif ranges:
                self._drop(load(ranges))
            self.watermark = latest

    def _drop(self, changes: Iterable[Change]) -> None:
        for change in changes:
            if not self._items:
                return
            stale = [k for k, v in self._items.items() if touches(change, k, v.tables)]
            for k in stale:
                del self._items[k]

    def cannot_answer(self, key: TileKey) -> bool:
        """Whether no copy of ``key`` is kept anywhere this cache looks (memory only: no
        disk folder, no Redis, and not in memory at any age): then the tile must be made
        whatever the change log says, and checking it first only adds a round trip."""
        if self.disk_dir is not None or self.shared is not None:
            return False
        with self._lock:  # never synced, or a tile newer than the watermark was turned away
            return self.watermark is not None and not self._behind and key not in self._items

    def get(self, key: TileKey) -> CachedTile | None:
        """The cached tile from memory, fresh as of the watermark, or None."""
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                self.hits += 1
            else:
                self.misses += 1
            return hit

    def put(self, key: TileKey, tile: CachedTile) -> bool:
        """Keep ``tile`` if it was made at the watermark (of its tables); returns whether it
        was kept."""
        with self._lock:
            if self.watermark is None or tile.marks != self.watermark.only(tile.tables):
                self._behind = (
                    self._behind
                    or self.watermark is not None
                    and any(s > self.watermark.get(t) for t, s in tile.marks.seqs)
                )
                return False
            self._remember(key, tile)
        self._write_disk(key, tile)
        if self.shared is not None:
            self.shared.put(shared_key(key), encode(tile))
        return True

    def _remember(self, key: TileKey, tile: CachedTile) -> None:
        if self.max_items == 0:
            return
        self._items[key] = tile
        self._items.move_to_end(key)
        while len(self._items) > self.max_items:
            self._items.popitem(last=False)

    # -- disk ---------------------------------------------------------------

    def _path(self, key: TileKey) -> Path:
        assert self.disk_dir is not None
        t = key.tile
        return self.disk_dir / key.tileset / str(t.z) / str(t.x) / f"{t.y}.mvt"

    def _write_disk(self, key: TileKey, tile: CachedTile) -> None:
        if self.disk_dir is None:
            return
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(encode(tile))
        os.replace(tmp, path)

    def read_disk(self, key: TileKey) -> CachedTile | None:
        """The tile stored on disk (of any age: check it with :meth:`check_disk`)."""
        if self.disk_dir is None:
            return None
        try:
            return decode(self._path(key).read_bytes())
        except OSError:
            return None

    def check_disk(self, key: TileKey, tile: CachedTile, upto: Marks, load: Loader) -> bool:
        """Whether a disk tile is fresh at ``upto``: none of the log entries of its tables
        after its marks, up to ``upto``, touch it. A fresh tile also goes into memory; a
        stale file is deleted."""
        if not self._fresh(key, tile, upto, load):
            self._path(key).unlink(missing_ok=True)
            return False
        with self._lock:
            self.disk_hits += 1
        return True

    def read_shared(self, key: TileKey) -> CachedTile | None:
        """The tile stored in Redis (of any age: check it with :meth:`check_shared`)."""
        if self.shared is None:
            return None
        raw = self.shared.get(shared_key(key))
        return decode(raw) if raw is not None else None

    def check_shared(self, key: TileKey, tile: CachedTile, upto: Marks, load: Loader) -> bool:
        """Whether a tile from Redis is fresh at ``upto`` (the rule of :meth:`check_disk`).
        A fresh one goes into memory and onto disk; a stale one is left for the next
        render to overwrite (deleting it could remove a newer tile another process just
        stored), and one made after ``upto`` (another process saw a newer commit) is
        not used here."""
        if not self._fresh(key, tile, upto, load):
            return False
        with self._lock:
            self.shared_hits += 1
        self._write_disk(key, tile)
        return True

    def _fresh(self, key: TileKey, tile: CachedTile, upto: Marks, load: Loader) -> bool:
        """No change after the tile's marks up to ``upto`` touches it; a fresh tile is
        also remembered in memory when ``upto`` is the watermark."""
        ranges = behind(tile.marks, upto.only(tile.tables))
        if ranges is None or any(touches(c, key, tile.tables) for c in load(ranges)):
            return False
        with self._lock:
            if self.watermark == upto:
                fresh = CachedTile(tile.data, upto.only(tile.tables), tile.tables, tile.meta)
                self._remember(key, fresh)
        return True


def shared_key(key: TileKey) -> str:
    """The Redis key of a vector tile (under the store's namespace)."""
    t = key.tile
    return f"{key.tileset}/{t.z}/{t.x}/{t.y}"


def encode(tile: CachedTile) -> bytes:
    """A tile with its marks, tables and headers, as stored on disk and in Redis."""
    meta = json.dumps(
        {"tables": sorted(tile.tables), "meta": tile.meta, "marks": dict(tile.marks.seqs)}
    ).encode()
    return HEADER.pack(DISK_FORMAT, len(meta)) + meta + tile.data


def decode(raw: bytes) -> CachedTile | None:
    """The tile of :func:`encode`'s bytes; None when unreadable or of another format."""
    try:
        version, n = HEADER.unpack_from(raw)
        if version != DISK_FORMAT:
            return None  # written by an older version: made again and overwritten
        meta = json.loads(raw[HEADER.size : HEADER.size + n])
        marks = Marks.of_mapping(meta["marks"])
        tables, extra = frozenset(meta["tables"]), dict(meta["meta"])
    except (struct.error, ValueError, KeyError, TypeError):
        return None
    return CachedTile(raw[HEADER.size + n :], marks, tables, extra)


def behind(old: Marks, new: Marks) -> dict[str, tuple[int, int]] | None:
    """Per table, the range of sequence numbers between ``old`` and ``new``; None when
    some table went backwards (the log was reset: nothing older can be trusted)."""
    ranges: dict[str, tuple[int, int]] = {}
    for table in old.tables() | new.tables():
        a, b = old.get(table), new.get(table)
        if b < a:
            return None
        if b > a:
            ranges[table] = (a, b)
    return ranges


def prune_disk(
    root: Path,
    max_age_s: float,
    max_bytes: int,
    suffix: str | None = SUFFIX,
    skip: str | None = RASTER_FOLDER,
) -> int:
    """Delete the tiles under ``root`` (files ending in ``suffix``; every file when None)
    older than ``max_age_s``, then the oldest until at most ``max_bytes`` remain; also
    temporary files left by a crash (a younger one is a tile being written: kept). Folders
    named ``skip`` (another cache's, by default the raster tiles') are never entered, and
    no folder is removed, so a concurrent write never loses its folder. Returns how many
    files were deleted."""
    now = time.time()
    kept: list[tuple[float, int, str]] = []
    gone = 0
    for path, mtime, size in _disk_files(root, skip):
        if path.endswith(TMP_SUFFIX):
            ours = suffix is None or suffix + "." in os.path.basename(path)
            if ours and now - mtime > TMP_MAX_AGE_S:
                gone += _unlink(path)
        elif suffix is None or path.endswith(suffix):
            if now - mtime > max_age_s:
                gone += _unlink(path)
            else:
                kept.append((mtime, size, path))
    total = sum(size for _, size, _ in kept)
    for _, size, path in sorted(kept):
        if total <= max_bytes:
            break
        gone += _unlink(path)
        total -= size
    return gone


def _disk_files(root: Path, skip: str | None) -> Iterable[tuple[str, float, int]]:
    """(path, mtime, size) of the files under ``root``, outside folders named ``skip``."""
    stack = [str(root)]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != skip:
                        stack.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    st = entry.stat(follow_symlinks=False)
                    yield entry.path, st.st_mtime, st.st_size
            except OSError:
                continue


def _unlink(path: str) -> int:
    try:
        os.unlink(path)
    except OSError:
        return 0
    return 1
