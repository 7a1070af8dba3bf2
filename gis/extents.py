"""Spatial reads of a partitioned table, planned on the partitions they can touch.

A bbox or tile read names no partition key, so PostgreSQL plans every partition of the
table (the register at 1M parcels: 324 zones, ~30 ms of planning, and a parallel plan that
costs more than the read). A collection with :class:`gis.collections.Extents` keeps a box
per key value covering every row with that key; a reader first asks which keys' boxes meet
its envelope (a small indexed table: ~0.3 ms) and adds ``key = ANY(:keys)``, a bound
array, which PostgreSQL prunes to those partitions when it plans the statement.

The boxes grow with every write (and shrink when rows are deleted) in the writer's
transaction (migration 0055), so every key a row visible to the reader has is found,
unless the row committed between the lookup and the read: a tile, whose statement also
reads the change log's position, checks the keys again in its own snapshot
(:func:`keys_sql`) and is drawn again if they moved.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import shapely
from sqlalchemy import text

from gis.collections import Collection


def keys_sql(c: Collection, *envelopes: str) -> str:
    """SQL of one sorted text array: the keys whose box meets every one of ``envelopes``
    (SQL geometries, EPSG:4490)."""
    assert c.extents is not None and envelopes
    key = f'"{c.extents.key}"'
    meets = " AND ".join(f"box && {e}" for e in envelopes)
    return (
        f"SELECT coalesce(array_agg({key}::text ORDER BY {key}), ARRAY[]::text[]) "
        f'FROM "{c.extents.table}" WHERE {meets}'
    )


def keys(session: Any, c: Collection, params: Mapping[str, Any], *envelopes: str) -> list[str]:
    """The keys a read of rows meeting all ``envelopes`` can touch (``session``: a Session
    or Connection)."""
    return list(session.execute(text(keys_sql(c, *envelopes)), dict(params)).scalar_one())


class Boxes:
    """A collection's ``(key, box)`` rows held in memory (:func:`load_boxes`): the keys whose
    box meets an envelope, found without a round trip. They may be stale (a write grows a
    box after they were read): a reader using them reads the keys again in its own snapshot
    and reads again if any key it sees was not planned (the tiles do, ``_drawn`` in
    ``gis.tiles.repository``); keys planned but not needed only cost their partitions."""

    def __init__(self, rows: list[tuple[str, float, float, float, float]]) -> None:
        self.keys = [r[0] for r in rows]
        self._tree = shapely.STRtree([shapely.box(*r[1:]) for r in rows])

    def meeting(self, west: float, south: float, east: float, north: float) -> list[str]:
        """The sorted keys whose box meets (or touches) this lon/lat rectangle."""
        return sorted(self.keys[i] for i in self._tree.query(shapely.box(west, south, east, north)))


def load_boxes(session: Any, c: Collection) -> Boxes:
    """Every key's box of the collection (at 5M parcels 25k subzones), read once."""
    assert c.extents is not None
    key, table = f'"{c.extents.key}"', f'"{c.extents.table}"'
    rows = session.execute(
        text(
            f"SELECT {key}::text, ST_XMin(box), ST_YMin(box), ST_XMax(box), ST_YMax(box) "
            f"FROM {table} WHERE box IS NOT NULL"
        )
    ).all()
    return Boxes([tuple(r) for r in rows])


def condition(c: Collection, param: str, alias: str = "t") -> str:
    """The pruning condition on the rows of alias ``alias``, the keys bound as ``param``.

    No key (a read where nothing lies, over the sea) is asked as a constant FALSE: with
    ``key = ANY('{}')`` alone PostgreSQL plans every partition before it finds none match
    (at 5M parcels, 401 zones: ~100 ms of planning in a new connection, ~20 ms after)."""
    assert c.extents is not None
    keys = f"CAST(:{param} AS text[])"
    return f'(cardinality({keys}) > 0 AND {alias}."{c.extents.key}" = ANY({keys}))'


def bounds_sql(c: Collection) -> str:
    """SQL of the collection's extent, one row ``(xmin, ymin, xmax, ymax)`` (NULLs when it
    has no rows): from the keys' boxes of its current rows when it keeps them (a few
    thousand rows: at 5M parcels the scan of every row outlasted the statement timeout),
    else from every row its ``where`` keeps. Both give the same digits: the boxes are the
    keys' exact ``ST_Extent`` (migration 0056)."""
    if c.extents is not None and c.extents.current is not None:
        box = f'"{c.extents.current}"'
        return (
            f"SELECT min(ST_XMin({box})), min(ST_YMin({box})), max(ST_XMax({box})), "
            f'max(ST_YMax({box})) FROM "{c.extents.table}"'
        )
    where = f" WHERE {c.where}" if c.where else ""
    return (
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
        f'(SELECT ST_Extent("{c.geometry_column}") AS e FROM "{c.table}"{where}) s'
    )
