"""Rendered raster tiles kept in memory (an LRU bounded in bytes) and, when
``tile_cache_dir`` is set, also on disk under ``tile_cache_dir/raster-tiles``.

A tile is keyed by the raster id, the raster's content version, the tile address and
every rendering option (bands, rescale, colormap, algorithm, format), so two requests
share an entry only when they would render the same bytes. The content version is the
name of the raster's COG: each import writes a new file under a fresh random name and a
COG is never rewritten in place, so a re-imported raster (or a database reset that
reuses ids) names another COG and its old tiles are never looked up again; they age out
of memory and Redis (``redis_url``: shared by every process, entries expire after
``redis_tile_ttl_s``), and off the disk with the vector tiles' pruning (by age, then oldest first
above ``raster_tile_cache_disk_max_bytes``; see ``gis.tiles.freshness.Pruner``, started by
:func:`prune_soon`). Deleting a raster also removes its folder on disk. Each tile carries
a strong ETag, a hash of its bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gis.raster.models import Raster
from gis.raster.tiles import TileStyle
from gis.settings import get_settings
from gis.tiles import freshness
from gis.tiles.cache import RASTER_FOLDER
from gis.tiles.shared import SharedTiles, from_settings

DISK_FOLDER = RASTER_FOLDER
ENTRY_OVERHEAD = 256  # bytes counted per entry on top of the tile (key, ETag, bookkeeping)


def content_version(raster: Raster) -> str:
    """The raster's content version: its COG's file name (unique per import, never rewritten)."""
    return Path(raster.path).stem


@dataclass(frozen=True)
class RasterTileKey:
    """One rendered tile: which raster content, which tile, rendered how."""

    raster_id: int
    version: str
    z: int
    x: int
    y: int
    style: TileStyle
    fmt: str = "png"

    @property
    def style_id(self) -> str:
        """A short stable name of the rendering options (the same in every process)."""
        s = self.style
        text = repr((s.bands, s.rescale, s.colormap, s.algorithm, self.fmt))
        return hashlib.blake2b(text.encode(), digest_size=10).hexdigest()

    @property
    def name(self) -> str:
        """The tile's name in a shared store: content version, style and address."""
        return (
            f"{self.raster_id}/{self.version}/{self.style_id}/{self.z}/{self.x}/{self.y}.{self.fmt}"
        )


@dataclass(frozen=True)
class CachedRasterTile:
    """The bytes of a rendered tile and their strong ETag."""

    data: bytes
    etag: str = field(default="")

    @classmethod
    def of(cls, data: bytes) -> CachedRasterTile:
        return cls(data, '"' + hashlib.blake2b(data, digest_size=12).hexdigest() + '"')


class RasterTileCache:
    """Thread-safe LRU of rendered tiles bounded in bytes, with optional files on disk."""

    def __init__(
        self, max_bytes: int, disk_dir: Path | None = None, shared: SharedTiles | None = None
    ) -> None:
        self.max_bytes = max_bytes
        self.disk_dir = disk_dir
        self.shared = shared  # Redis, shared by every process (gis.tiles.shared)
        self._items: OrderedDict[RasterTileKey, CachedRasterTile] = OrderedDict()
        self._lock = threading.Lock()
        self.size_bytes = 0
        self.hits = 0
        self.disk_hits = 0
        self.shared_hits = 0
        self.renders = 0

    def __len__(self) -> int:
        return len(self._items)

    def tile(self, key: RasterTileKey, render: Callable[[], bytes]) -> CachedRasterTile:
        """The cached tile of ``key``, else ``render()`` it once and keep it."""
        hit = self._get(key)
        if hit is not None:
            return hit
        hit = self._read_disk(key)
        if hit is not None:
            with self._lock:
                self.disk_hits += 1
                self._remember(key, hit)
            return hit
        hit = self._read_shared(key)
        if hit is not None:
            with self._lock:
                self.shared_hits += 1
                self._remember(key, hit)
            self._write_disk(key, hit)
            return hit
        made = CachedRasterTile.of(render())
        with self._lock:
            self.renders += 1
            self._remember(key, made)
        self._write_disk(key, made)
        if self.shared is not None:
            self.shared.put(key.name, made.data)
        return made

    def _read_shared(self, key: RasterTileKey) -> CachedRasterTile | None:
        raw = self.shared.get(key.name) if self.shared is not None else None
        return CachedRasterTile.of(raw) if raw else None

    def _get(self, key: RasterTileKey) -> CachedRasterTile | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                self.hits += 1
            return hit

    def _remember(self, key: RasterTileKey, tile: CachedRasterTile) -> None:
        cost = len(tile.data) + ENTRY_OVERHEAD
        if cost > self.max_bytes:
            return
        old = self._items.pop(key, None)
        if old is not None:
            self.size_bytes -= len(old.data) + ENTRY_OVERHEAD
        self._items[key] = tile
        self.size_bytes += cost
        while self.size_bytes > self.max_bytes:
            _, dropped = self._items.popitem(last=False)
            self.size_bytes -= len(dropped.data) + ENTRY_OVERHEAD

    def forget_raster(self, raster_id: int) -> None:
        """Drop every tile of a raster (it was deleted), in memory and on disk."""
        with self._lock:
            for key in [k for k in self._items if k.raster_id == raster_id]:
                self.size_bytes -= len(self._items.pop(key).data) + ENTRY_OVERHEAD
        if self.disk_dir is not None:
            shutil.rmtree(self.disk_dir / str(raster_id), ignore_errors=True)

    # -- disk ---------------------------------------------------------------

    def _path(self, key: RasterTileKey) -> Path:
        assert self.disk_dir is not None
        folder = self.disk_dir / str(key.raster_id) / key.version / key.style_id
        return folder / str(key.z) / str(key.x) / f"{key.y}.{key.fmt}"

    def _read_disk(self, key: RasterTileKey) -> CachedRasterTile | None:
        if self.disk_dir is None:
            return None
        try:
            data = self._path(key).read_bytes()
        except OSError:
            return None
        return CachedRasterTile.of(data) if data else None

    def _write_disk(self, key: RasterTileKey, tile: CachedRasterTile) -> None:
        if self.disk_dir is None:
            return
        path = self._path(key)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(tile.data)
            os.replace(tmp, path)
        except OSError:  # a full or read-only disk costs a render later, never the answer
            with contextlib.suppress(OSError):
                tmp.unlink()


def for_app(state: Any) -> RasterTileCache:
    """The application's raster tile cache (one per app, made on first use)."""
    cache: RasterTileCache | None = getattr(state, "raster_tile_cache", None)
    if cache is None:
        s = get_settings()
        disk = s.tile_cache_dir / DISK_FOLDER if s.tile_cache_dir is not None else None
        store = from_settings("raster", state.database)
        cache = RasterTileCache(s.raster_tile_cache_bytes, disk, store)
        state.raster_tile_cache = cache
    return cache


def prune_soon(state: Any) -> None:
    """Start the disk tiles' pruning in the background when it is due (at most every
    ``tile_prune_interval_s`` per app, shared with the vector tiles); ``state``: the app's."""
    disk = get_settings().tile_cache_dir
    if disk is not None:
        freshness.of_app(state).pruner.maybe_start(disk)


def matches(tile: CachedRasterTile, if_none_match: str | None) -> bool:
    """Whether ``If-None-Match`` names this tile (weak comparison, as RFC 9110 asks)."""
    if not if_none_match:
        return False
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in tags or tile.etag in tags
