"""OGC API Tiles and TileJSON documents as response models (issue 17: typed contracts).

The documents are open (a server may add members): every model keeps what it does not
name, so declaring it never drops a member a map client reads.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from gis.contracts import Link


class TilesDocument(BaseModel):
    model_config = ConfigDict(extra="allow")


class TileMatrixSetRef(TilesDocument):
    id: str
    title: str | None = None
    uri: str | None = None
    links: list[Link]


class TileMatrixSets(TilesDocument):
    tileMatrixSets: list[TileMatrixSetRef]
    links: list[Link]


class TileMatrixSet(TilesDocument):
    """A tile matrix set definition (OGC 17-083r4), as morecantile writes it."""

    id: str
    crs: Any
    tileMatrices: list[dict[str, Any]]


class Tileset(TilesDocument):
    title: str | None = None
    dataType: str
    crs: str
    tileMatrixSetURI: str | None = None
    links: list[Link]


class Tilesets(TilesDocument):
    tilesets: list[Tileset]
    links: list[Link] | None = None


class TileJSON(TilesDocument):
    """TileJSON 3.0.0 of a tileset (vector layers, zooms, bounds)."""

    tilejson: str
    tiles: list[str]
    name: str | None = None
    minzoom: int | None = None
    maxzoom: int | None = None
