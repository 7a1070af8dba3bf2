"""The tile cache: an in-memory LRU, and files on disk when ``tile_cache_dir`` is set.

Freshness rule: the cache has a *watermark*, the newest change-log sequence number
whose changes it has applied. Before each lookup the caller passes the newest number
in the database (:meth:`TileCache.sync`); the cache loads the changes above its
watermark and drops exactly the cached tiles whose area (grown by the MVT buffer)
meets a changed bounding box of one of their tables. A tile is stored only when it
was made from the snapshot the watermark describes, so a tile made before an edit
can never be stored after the edit was applied. Disk files carry the sequence
number they were made at and are re-checked against the change log when older.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from gis.tiles.matrix import TileAddress, tile_range
from gis.tiles.repository import Change

HEADER = struct.Struct(">QI")  # seq, length of the JSON metadata that follows


@dataclass(frozen=True)
class TileKey:
    """A cached tile: which tileset and which tile."""

    tileset: str
    tile: TileAddress


@dataclass
class CachedTile:
    """Bytes of a tile with what is needed to serve and to invalidate it."""

    data: bytes
    seq: int
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

    def __init__(self, max_items: int, disk_dir: Path | None = None) -> None:
        self.max_items = max_items
        self.disk_dir = disk_dir
        self.watermark: int | None = None
        self._items: OrderedDict[TileKey, CachedTile] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.disk_hits = 0

    def __len__(self) -> int:
        return len(self._items)

    def sync(self, latest: int, load: Callable[[int, int], Iterable[Change]]) -> None:
        """Apply the changes up to ``latest``; ``load(after, upto)`` reads them from the log."""
        with self._lock:
            if self.watermark == latest:
                return
            if self.watermark is None or latest < self.watermark:
                # First use, or the log went backwards (database reset, rolled-back test data).
                self._items.clear()
            else:
                self._drop(load(self.watermark, latest))
            self.watermark = latest

    def _drop(self, changes: Iterable[Change]) -> None:
        for change in changes:
            if not self._items:
                return
            stale = [k for k, v in self._items.items() if touches(change, k, v.tables)]
            for k in stale:
                del self._items[k]

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
        """Keep ``tile`` if it was made at the watermark; returns whether it was kept."""
        with self._lock:
            if tile.seq != self.watermark:
                return False
            self._remember(key, tile)
        self._write_disk(key, tile)
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
        meta = json.dumps({"tables": sorted(tile.tables), "meta": tile.meta}).encode()
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(HEADER.pack(tile.seq, len(meta)) + meta + tile.data)
        os.replace(tmp, path)

    def read_disk(self, key: TileKey) -> CachedTile | None:
        """The tile stored on disk (of any age: check it with :meth:`accept_disk`)."""
        if self.disk_dir is None:
            return None
        try:
            raw = self._path(key).read_bytes()
            seq, n = HEADER.unpack_from(raw)
            meta = json.loads(raw[HEADER.size : HEADER.size + n])
        except (OSError, struct.error, ValueError):
            return None
        data = raw[HEADER.size + n :]
        return CachedTile(data, seq, frozenset(meta["tables"]), dict(meta["meta"]))

    def accept_disk(
        self, key: TileKey, tile: CachedTile, changes: Iterable[Change], upto: int
    ) -> bool:
        """Whether a disk tile is fresh at ``upto``: none of ``changes`` (the log entries
        after its seq, up to ``upto``) touch it. A fresh tile also goes into memory; a
        stale file is deleted."""
        if any(touches(c, key, tile.tables) for c in changes):
            self._path(key).unlink(missing_ok=True)
            return False
        with self._lock:
            self.disk_hits += 1
            if self.watermark == upto:
                self._remember(key, CachedTile(tile.data, upto, tile.tables, tile.meta))
        return True
