"""Serving tiles through the cache, and the OGC API Tiles / TileJSON documents.

No HTTP here: the router passes the base URL and turns results into responses.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy.orm import Session

from gis.auth.service import Principal
from gis.collections import Collection
from gis.db import Database
from gis.errors import NotAuthenticated, PermissionDenied
from gis.tiles import repository
from gis.tiles.cache import CachedTile, TileCache, TileKey
from gis.tiles.matrix import HALF_WORLD_M, MAX_ZOOM, TMS, TMS_ID, TileAddress
from gis.tiles.tilesets import BASEMAP_ID, Tileset, feature_limit, layer_name
from gis.web.maps import LAND_USE_COLOURS

MVT = "application/vnd.mapbox-vector-tile"
REL = "http://www.opengis.net/def/rel/ogc/1.0/"
CRS_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
TEMPLATE = "{tileMatrix}/{tileRow}/{tileCol}"  # OGC 20-057 order
JSON_TYPES = {"integer": "Number", "number": "Number", "boolean": "Boolean"}


def check_access(tileset: Tileset, principal: Principal | None) -> None:
    """Restricted collections need a token whose role may read them (admin always may)."""
    if tileset.public:
        return
    if principal is None:
        raise NotAuthenticated("this collection needs a token", field="Authorization")
    allowed = set().union(*(c.read_roles for c in tileset.layers)) | {"admin"}
    if principal.role.value not in allowed:
        raise PermissionDenied(f"role {principal.role.value!r} may not read {tileset.id!r}")


def get_tile(
    database: Database, session: Session, cache: TileCache, tileset: Tileset, tile: TileAddress
) -> CachedTile:
    """The tile, from the cache when still fresh, else made in PostGIS (and cached).

    The newest committed change is read first; a tile made from a snapshot that differs
    from it (a later commit, or the caller's own uncommitted edits) is served, not kept.
    (The HTTP API does the same in two steps: the check on the event loop, then
    :func:`lookup` and :func:`make`.)
    """
    latest = repository.committed_marks(database)
    cache.sync(latest, functools.partial(repository.changes_since_committed, database))
    return lookup(cache, tileset, tile) or make(database, session, cache, tileset, tile, latest)


def lookup(cache: TileCache, tileset: Tileset, tile: TileAddress) -> CachedTile | None:
    """The tile from memory if the (just synced) cache holds it."""
    return cache.get(TileKey(tileset.id, tile))


def make(
    database: Database,
    session: Session | None,
    cache: TileCache,
    tileset: Tileset,
    tile: TileAddress,
    latest: repository.Marks | None,
) -> CachedTile:
    """The tile from disk or Redis if still fresh at ``latest``, else made in PostGIS and
    cached. ``latest`` None: not checked (the cache holds no copy, see ``api._serve``);
    made on the primary.

    Made in ``session`` when given (it may hold the caller's own uncommitted edits),
    else on the tile pool from committed data.
    """
    key = TileKey(tileset.id, tile)
    load = functools.partial(repository.changes_since_committed, database)
    if latest is not None:
        disk = cache.read_disk(key)
        if disk is not None and cache.check_disk(key, disk, latest, load):
            return disk
        shared = cache.read_shared(key)  # Redis: another process may have made it
        if shared is not None and cache.check_shared(key, shared, latest, load):
            return shared
    if session is None:
        made = repository.render_committed(database, tileset, tile, latest)
    else:
        repository.no_parallel_plan(session)
        made = repository.render(session, tileset, tile)
    entry = CachedTile(made.data, made.marks, tileset.tables, _limits_meta(made))
    untracked = tileset.tables - repository.tracked_tables(database, tileset.tables)
    if untracked:  # edits there would not be seen: never keep such a tile
        entry.meta["X-Tile-Cache"] = "off: edits of " + ", ".join(sorted(untracked)) + " untracked"
    else:
        cache.put(key, entry)
    return entry


def _limits_meta(made: repository.RenderedTile) -> dict[str, str]:
    """Response headers that say how many features each layer holds and which were cut."""
    meta = {"X-Tile-Features": ", ".join(f"{k}={v}" for k, v in made.counts.items())}
    if made.truncated:
        meta["X-Tile-Truncated"] = ", ".join(made.truncated)
    if made.too_small:
        meta["X-Tile-Too-Small"] = ", ".join(f"{k}={v}" for k, v in made.too_small.items())
    return meta


def tiles_path(base: str, tileset: Tileset) -> str:
    """URL of a tileset's tiles folder (per collection, or /ogc/tiles for the base map)."""
    if _is_basemap(tileset):
        return f"{base}/ogc/tiles"
    return f"{base}/ogc/collections/{tileset.id}/tiles"


def _is_basemap(tileset: Tileset) -> bool:
    return tileset.id == BASEMAP_ID or tileset.id.startswith(BASEMAP_ID + ":")


def _query(tileset: Tileset) -> str:
    """The ``?collections=`` selection of a base-map subset, else nothing."""
    return "?collections=" + tileset.id.split(":", 1)[1] if ":" in tileset.id else ""


def centre(session: Session, tileset: Tileset) -> tuple[float, float]:
    """Lon/lat centre of the tileset's data (0, 0 when empty)."""
    b = _bounds(session, tileset)
    return (b[0] + b[2]) / 2, (b[1] + b[3]) / 2


def default_styles(tileset: Tileset) -> dict[str, dict[str, Any]]:
    """Map styles for the base-map preview: fills by ``land_use`` or ``code`` when present."""
    styles: dict[str, dict[str, Any]] = {}
    for c in tileset.layers:
        line = "Line" in c.geometry_type
        style: dict[str, Any] = {
            "color": "#ffffff" if line else "#666666",
            "weight": 3 if line else 0.6,
        } | ({} if line else {"fill": True, "fillColor": "#cccccc", "fillOpacity": 0.5})
        colour_by = next((p for p in ("land_use", "code") if p in c.properties), None)
        styles[layer_name(c)] = {
            "style": style,
            "colour_by": colour_by,
            "colours": LAND_USE_COLOURS,
        }
    return styles


def matrix_sets(base: str) -> dict[str, Any]:
    """The list of offered tile matrix sets."""
    return {
        "tileMatrixSets": [
            {
                "id": TMS_ID,
                "title": TMS.title,
                "uri": str(TMS.uri),
                "links": [{"rel": "self", "type": "application/json", "href": _tms_url(base)}],
            }
        ],
        "links": [
            {"rel": "self", "type": "application/json", "href": f"{base}/ogc/tileMatrixSets"}
        ],
    }


def matrix_set() -> dict[str, Any]:
    """The WebMercatorQuad definition: OGC Two Dimensional Tile Matrix Set 2.0 JSON, with
    the TMS 1.0 members beside it (``type``, ``identifier``, ``supportedCRS``,
    ``boundingBox``, each matrix's ``identifier`` and ``topLeftCorner``) so that clients
    still on 1.0, such as GDAL 3.6's OGCAPI driver (Debian 12), read it too. Extra
    members are allowed by the 2.0 schema, so 2.0 clients are unaffected."""
    doc: dict[str, Any] = TMS.model_dump(mode="json", exclude_none=True, by_alias=True)
    doc.update(
        type="TileMatrixSetType",
        identifier=TMS_ID,
        supportedCRS=CRS_3857,
        boundingBox={
            "type": "BoundingBoxType",
            "crs": CRS_3857,
            "lowerCorner": [-HALF_WORLD_M, -HALF_WORLD_M],
            "upperCorner": [HALF_WORLD_M, HALF_WORLD_M],
        },
    )
    for matrix in doc["tileMatrices"]:
        matrix["identifier"] = matrix["id"]
        matrix["topLeftCorner"] = matrix["pointOfOrigin"]
    return doc


def _tms_url(base: str) -> str:
    return f"{base}/ogc/tileMatrixSets/{TMS_ID}"


def tileset_list(base: str, tileset: Tileset) -> dict[str, Any]:
    """The tilesets of a collection (or of the base map): one vector tileset."""
    path = tiles_path(base, tileset)
    return {
        "tilesets": [
            {
                "title": tileset.title,
                "dataType": "vector",
                "crs": CRS_3857,
                "tileMatrixSetURI": str(TMS.uri),
                "links": [
                    {"rel": "self", "type": "application/json", "href": f"{path}/{TMS_ID}"},
                    {
                        "rel": REL + "tiling-scheme",
                        "type": "application/json",
                        "href": _tms_url(base),
                    },
                ],
            }
        ],
        "links": [{"rel": "self", "type": "application/json", "href": path}],
    }


def tileset_metadata(base: str, tileset: Tileset) -> dict[str, Any]:
    """OGC API Tiles tileset metadata with the templated tile link and layer descriptions."""
    path = f"{tiles_path(base, tileset)}/{TMS_ID}"
    return {
        "title": tileset.title,
        "dataType": "vector",
        "crs": CRS_3857,
        "tileMatrixSetURI": str(TMS.uri),
        "links": [
            {"rel": "self", "type": "application/json", "href": path},
            {"rel": REL + "tiling-scheme", "type": "application/json", "href": _tms_url(base)},
            {
                "rel": "item",
                "type": MVT,
                "templated": True,
                "href": f"{path}/{TEMPLATE}{_query(tileset)}",
            },
            {
                "rel": "describedby",
                "type": "application/json",
                "href": f"{path}/tilejson.json{_query(tileset)}",
            },
        ],
        "tileMatrixSetLimits": [
            {
                "tileMatrix": str(z),
                "minTileRow": 0,
                "maxTileRow": (1 << z) - 1,
                "minTileCol": 0,
                "maxTileCol": (1 << z) - 1,
            }
            for z in range(tileset.min_zoom, min(tileset.max_zoom, MAX_ZOOM) + 1)
        ],
        "layers": [_layer_metadata(group) for group in layer_groups(tileset)],
    }


def layer_groups(tileset: Tileset) -> list[tuple[Collection, ...]]:
    """The tileset's collections grouped by MVT layer (a layer drawn from overviews at
    lower zooms and from the collection itself further in), in drawing order."""
    groups: dict[str, list[Collection]] = {}
    for c in tileset.layers:
        groups.setdefault(layer_name(c), []).append(c)
    return [tuple(g) for g in groups.values()]


def zoom_description(group: tuple[Collection, ...]) -> str:
    """What the layer holds at each zoom level, e.g. ``z10: ...; z11-z12: ...; z13-z22: ...``."""
    if len(group) == 1:
        return group[0].description
    return "; ".join(f"{_zooms(c.min_zoom, c.max_zoom)}: {c.title}" for c in group)


def _zooms(low: int, high: int) -> str:
    return f"z{low}" if low == high else f"z{low}-z{high}"


def _layer_metadata(group: tuple[Collection, ...]) -> dict[str, Any]:
    main = group[-1]
    properties: dict[str, str] = {}
    for c in group:
        properties |= c.properties
    return {
        "id": layer_name(main),
        "title": main.title,
        "description": zoom_description(group),
        "dataType": "vector",
        "geometryDimension": 1 if "Line" in main.geometry_type else 2,
        "minTileMatrix": str(min(c.min_zoom for c in group)),
        "maxTileMatrix": str(max(c.max_zoom for c in group)),
        "featureLimit": max(feature_limit(c) for c in group),
        "propertiesSchema": {
            "type": "object",
            "properties": {k: {"type": v} for k, v in properties.items()},
        },
    }


def _bounds(session: Session, tileset: Tileset) -> list[float]:
    """Lon/lat bounds of all layers' data (the whole matrix when there is none)."""
    boxes = [b for c in tileset.layers if (b := repository.extent(session, c)) is not None]
    if not boxes:
        return [-180.0, -85.0511287798066, 180.0, 85.0511287798066]
    return [
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    ]


def tilejson(session: Session, base: str, tileset: Tileset) -> dict[str, Any]:
    """TileJSON 3.0.0 for MapLibre and QGIS; ``feature_limit`` says where tiles may be cut."""
    bounds = _bounds(session, tileset)
    zoom = max(tileset.min_zoom, min(14, tileset.max_zoom))
    path = f"{tiles_path(base, tileset)}/{TMS_ID}"
    return {
        "tilejson": "3.0.0",
        "name": tileset.id,
        "description": tileset.title,
        "scheme": "xyz",
        "tiles": [f"{path}/{{z}}/{{y}}/{{x}}{_query(tileset)}"],
        "minzoom": tileset.min_zoom,
        "maxzoom": min(tileset.max_zoom, MAX_ZOOM),
        "bounds": bounds,
        "center": [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, zoom],
        "vector_layers": [
            {
                "id": layer_name(g[-1]),
                "description": g[-1].title if len(g) == 1 else zoom_description(g),
                "minzoom": min(c.min_zoom for c in g),
                "maxzoom": max(c.max_zoom for c in g),
                "fields": {
                    k: JSON_TYPES.get(v, "String") for c in g for k, v in c.properties.items()
                },
            }
            for g in layer_groups(tileset)
        ],
        "feature_limit": {
            layer_name(g[-1]): max(map(feature_limit, g)) for g in layer_groups(tileset)
        },
    }


def tile_links(base: str, collection_id: str | None = None) -> list[dict[str, Any]]:
    """Links to the vector tilesets, for the OGC landing page (``collection_id`` None:
    the base map and the tiling schemes) or for one collection's document."""
    if collection_id is not None:
        href = f"{base}/ogc/collections/{collection_id}/tiles"
        return [{"rel": REL + "tilesets-vector", "type": "application/json", "href": href}]
    return [
        {"rel": REL + "tilesets-vector", "type": "application/json", "href": f"{base}/ogc/tiles"},
        {
            "rel": REL + "tiling-schemes",
            "type": "application/json",
            "href": f"{base}/ogc/tileMatrixSets",
        },
    ]
