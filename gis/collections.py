"""The registry of feature collections shared by the OGC APIs, the tiles and the maps.

gis knows no domain: each domain describes its tables as :class:`Collection` objects
in its own ``collections.py``, and the composition root registers them at start-up
(``landgis/collections.py``). SQL identifiers here come from code, never from users.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from gis.errors import NotFound


class CollectionEditor(Protocol):
    """What a collection that accepts OGC API Features Part 4 writes must offer.

    Each method runs the domain's rules and owns the transaction; ``etag`` is the
    version the client read (If-Match). Geometries are GeoJSON dicts in EPSG:4490.
    """

    def create(self, session: Any, feature: dict[str, Any], actor: Any) -> str: ...

    def replace(
        self, session: Any, fid: str, feature: dict[str, Any], etag: str | None, actor: Any
    ) -> str: ...

    def update(
        self, session: Any, fid: str, patch: dict[str, Any], etag: str | None, actor: Any
    ) -> str: ...

    def delete(self, session: Any, fid: str, etag: str | None, actor: Any) -> None: ...

    def etag(self, session: Any, fid: str) -> str: ...


@dataclass(frozen=True)
class Collection:
    """One feature collection: where its rows are and which of their columns are public."""

    id: str
    title: str
    description: str
    table: str
    properties: dict[str, str]  # column -> "string" | "integer" | "number" | "date" | "datetime"
    geometry_type: str = "MultiPolygon"
    geometry_column: str = "geom"
    id_column: str = "id"
    where: str | None = None  # fixed SQL condition, e.g. "end_lifespan IS NULL"
    datetime_column: str | None = None
    # a versioned collection keeps every version: (valid from, valid to) columns, and
    # ``where`` then selects the current versions only; ``datetime`` reads the past
    lifespan: tuple[str, str] | None = None
    version_column: str | None = None
    public: bool = True
    read_roles: frozenset[str] = frozenset()
    edit_roles: frozenset[str] = frozenset()
    editor: CollectionEditor | None = None
    min_zoom: int = 0
    max_zoom: int = 22
    extra: dict[str, Any] = field(default_factory=dict)


_REGISTRY: dict[str, Collection] = {}


def register(collections: Iterable[Collection]) -> None:
    """Add (or replace) collections by id."""
    for c in collections:
        _REGISTRY[c.id] = c


def get(collection_id: str) -> Collection:
    try:
        return _REGISTRY[collection_id]
    except KeyError:
        raise NotFound(f"no collection {collection_id!r}", field="collectionId") from None


def all_collections() -> list[Collection]:
    return list(_REGISTRY.values())
