"""Which collections make which tileset: one per collection, and the multi-layer base map."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from gis.collections import Catalog, Collection
from gis.errors import InvalidInput

BASEMAP_ID = "basemap"
DEFAULT_FEATURE_LIMIT = 50_000  # features per layer per tile; collection.extra may lower it


class UnknownCollection(InvalidInput):
    """A ``collections`` selection names a collection that is not public or not there."""


@dataclass(frozen=True)
class Tileset:
    """A set of MVT layers served together; ``id`` is a collection id or ``basemap``."""

    id: str
    title: str
    layers: tuple[Collection, ...]
    at: datetime | None = None  # a past instant (gis.tiles.past): the SQL's bound ``:at``

    @property
    def tables(self) -> frozenset[str]:
        """Tables whose edits can change this tileset's tiles: each layer's table and the
        tables its fixed filter reads (e.g. plan_edition for the plan in force)."""
        return frozenset(t for c in self.layers for t in (c.table, *filter_tables(c.where)))

    @property
    def public(self) -> bool:
        return all(c.public for c in self.layers)

    @property
    def min_zoom(self) -> int:
        return min((c.min_zoom for c in self.layers), default=0)

    @property
    def max_zoom(self) -> int:
        return max((c.max_zoom for c in self.layers), default=22)


def filter_tables(where: str | None) -> tuple[str, ...]:
    """Tables named after FROM or JOIN in a collection's fixed SQL condition."""
    return tuple(m.lower() for m in _FROM.findall(where or ""))


_FROM = re.compile(r"\b(?:from|join)\s+([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE)


def feature_limit(collection: Collection) -> int:
    """Most features one tile carries for this collection (more are reported, not hidden)."""
    return int(collection.extra.get("tile_feature_limit", DEFAULT_FEATURE_LIMIT))


def layer_name(collection: Collection) -> str:
    """The MVT layer name of a collection: its id, or ``extra["layer_name"]`` for an
    overview drawn in its parent's layer at lower zooms."""
    return str(collection.extra.get("layer_name", collection.id))


def with_overviews(catalog: Catalog, collection: Collection) -> tuple[Collection, ...]:
    """The collection preceded by its generalised stand-ins for lower zooms
    (``extra["overviews"]``: ids of the catalog's collections, e.g. parcels merged by block)."""
    ids = collection.extra.get("overviews", ())
    return (*(catalog.get(i) for i in ids), collection)


def for_collection(catalog: Catalog, collection_id: str) -> Tileset:
    """The tileset of one collection of the catalog, with its overviews at lower zooms
    (NotFound naming collectionId)."""
    c = catalog.get(collection_id)
    return Tileset(id=c.id, title=c.title, layers=with_overviews(catalog, c))


def basemap(catalog: Catalog, selection: str | None = None) -> Tileset:
    """Every public collection, one layer each, in registration order (drawn bottom-up);
    ``selection`` (comma-separated collection ids, OGC ``collections``) picks some of them.

    A collection with ``extra={"basemap": False}`` (fast-changing data such as live land
    listings) is left out of the default base map, which then stays cacheable; it can
    still be named in ``selection`` and has its own tiles."""
    public = [c for c in catalog.all() if c.public]
    if not selection:
        default = tuple(
            layer
            for c in public
            if c.extra.get("basemap", True)
            for layer in with_overviews(catalog, c)
        )
        return Tileset(id=BASEMAP_ID, title="底图 base map", layers=default)
    wanted = [s.strip() for s in selection.split(",") if s.strip()]
    known = {c.id: c for c in public}
    unknown = [w for w in wanted if w not in known]
    if unknown or not wanted:
        raise UnknownCollection(
            f"no public collection {unknown[0] if unknown else selection!r}; "
            f"known: {', '.join(known) or 'none'}",
            field="collections",
        )
    layers = tuple(
        layer for w in dict.fromkeys(wanted) for layer in with_overviews(catalog, known[w])
    )
    ids = ",".join(c.id for c in layers)
    return Tileset(id=f"{BASEMAP_ID}:{ids}", title=f"底图 base map ({ids})", layers=layers)
