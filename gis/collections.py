"""The registry of feature collections shared by the OGC APIs, the tiles and the maps.

gis knows no domain: each domain describes its tables as :class:`Collection` objects
in its own ``collections.py``, and the composition root gathers them into one
:class:`Catalog` per app (``app.state.catalog``) or CLI run (``landgis/collections.py``);
nothing is registered in a module. SQL identifiers here come from code, never from users.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import typer
from starlette.requests import Request  # = fastapi.Request, without loading FastAPI

from gis.errors import NotFound
from gis.raster.approvals import ApprovalSource


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
class Extents:
    """A table of ``(key, box)`` whose box covers the geometry of every row of the
    collection's table with that key value (written with the rows). A spatial read names the keys
    whose box meets its envelope, so a table partitioned by the key is planned on those
    partitions only (:mod:`gis.extents`)."""

    key: str  # the column of the collection's table (its partition key)
    table: str  # columns: the same key name, and ``box`` (geometry, EPSG:4490)
    # the id begins with the key (a parcel's unit code with its subzone), so id order is
    # key order: a page in id order is read from the keys that hold it (gis.ogc.repository)
    id_begins_with_key: bool = False
    # a column of the same table: per key, the exact extent of the rows the collection's
    # ``where`` keeps (its current rows); the collection's extent is then read from these
    # few boxes, not from every row (gis.extents.bounds_sql)
    current: str | None = None


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
    # the same geometry stored in EPSG:3857 (a column the database keeps, e.g. generated),
    # which the tiles draw instead of transforming every row; None: transformed per tile
    tile_geometry_column: str | None = None
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
    extents: Extents | None = None  # a partitioned table: see Extents
    # a collection whose rows cover this one's (this one is its overview, made from its
    # rows): this one's extent is read as that one's, not by a scan of this table
    extent_of: Collection | None = None


class Catalog:
    """The collections (and approval sources) one app or one CLI run serves: made by the
    composition root (``landgis/collections.py``), kept in ``app.state.catalog`` or the
    CLI's click context, reached with :func:`get_catalog` / :func:`cli_catalog`. It is
    never changed after it is made: :meth:`extended` gives a new one (tests, benchmarks)."""

    def __init__(
        self, collections: Iterable[Collection] = (), approvals: Iterable[ApprovalSource] = ()
    ) -> None:
        self._collections = {c.id: c for c in collections}  # later ids replace earlier
        self.approvals: tuple[ApprovalSource, ...] = tuple({a.name: a for a in approvals}.values())

    def get(self, collection_id: str) -> Collection:
        """The collection with this id (NotFound naming collectionId)."""
        try:
            return self._collections[collection_id]
        except KeyError:
            raise NotFound(f"no collection {collection_id!r}", field="collectionId") from None

    def all(self) -> list[Collection]:
        """Every collection, in the order they were given (the base map draws bottom-up)."""
        return list(self._collections.values())

    def extended(
        self, collections: Iterable[Collection] = (), approvals: Iterable[ApprovalSource] = ()
    ) -> Catalog:
        """A new catalog with these collections and sources added (or replacing by id)."""
        return Catalog([*self.all(), *collections], [*self.approvals, *approvals])


async def get_catalog(request: Request) -> Catalog:
    """FastAPI dependency: the catalog of the app serving this request (async: it runs on
    the event loop, no thread hop on the tile path)."""
    catalog: Catalog = request.app.state.catalog
    return catalog


def cli_catalog(ctx: typer.Context) -> Catalog:
    """The catalog of the running CLI command: a command that needs it takes a
    ``ctx: typer.Context`` and the CLI (``landgis.cli``) puts the catalog in its context."""
    catalog = ctx.find_object(Catalog)
    if catalog is None:
        raise RuntimeError("no catalog in the CLI context: run the command through landgis")
    return catalog
