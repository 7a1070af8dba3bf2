"""The SQL of the tiles: rendering (its statement is built in ``gis.tiles.statement``),
and reads of the tile change log.

Geometries are stored in EPSG:4490 and transformed to EPSG:3857 for the tile.
Identifiers in the SQL text come from registered collections (code, never users)
and are quoted; every value (z, x, y, limits, tolerances) is a bound parameter.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from gis import extents
from gis.collections import Collection
from gis.db import Database
from gis.tiles.matrix import EXTENT, TileAddress, envelope_lonlat, tile_width_m
from gis.tiles.statement import ENVELOPE_4490, FEATURE_MARGIN, MARKS_OF_SQL, tile_sql
from gis.tiles.tilesets import Tileset, feature_limit, layer_name

SIMPLIFY_BELOW_ZOOM = 13  # at lower zooms geometries are simplified to one MVT unit


@dataclass(frozen=True)
class Marks:
    """Per tracked table, the newest change-log sequence number of one snapshot.

    Edits of one table commit in sequence order (each takes its table's lock, migration
    ``0012_tiles_locks``), so the rows of a table a snapshot sees are exactly those up to
    its mark: two snapshots with the same mark for a table see the same data of it.
    A table missing here has no change logged (mark 0).
    """

    seqs: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of_mapping(cls, seqs: Mapping[str, int]) -> Marks:
        return cls(tuple(sorted((t, int(s)) for t, s in seqs.items() if s)))

    def get(self, table: str) -> int:
        return dict(self.seqs).get(table, 0)

    def only(self, tables: Iterable[str]) -> Marks:
        """The marks of ``tables`` alone (what a tile made from them depends on)."""
        wanted = set(tables)
        return Marks(tuple((t, s) for t, s in self.seqs if t in wanted))

    def tables(self) -> set[str]:
        return {t for t, _ in self.seqs}


@dataclass(frozen=True)
class RenderedTile:
    """An MVT made from one database snapshot; ``marks`` are the log marks of its tables."""

    marks: Marks
    data: bytes
    counts: dict[str, int]  # layer -> features in the tile
    truncated: tuple[str, ...]  # layers that hit their feature limit
    too_small: dict[str, int] = field(default_factory=dict)  # layer -> features not drawable


_int_id_cache: dict[tuple[str, str], bool] = {}


Executor = Session | Connection  # a request session, or a connection of the tile pool


def has_integer_id(session: Executor, c: Collection) -> bool:
    """Whether the collection's id column is an integer (then it becomes the MVT feature id)."""
    key = (c.table, c.id_column)
    if key not in _int_id_cache:
        kind = session.execute(
            text(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                "WHERE attrelid = to_regclass(:t) AND attname = :c"
            ),
            {"t": c.table, "c": c.id_column},
        ).scalar()
        _int_id_cache[key] = kind in {"integer", "bigint", "smallint"}
    return _int_id_cache[key]


def render(
    session: Executor, tileset: Tileset, tile: TileAddress, memo: dict[str, Any] | None = None
) -> RenderedTile:
    """Make the tile's MVT (layers in tileset order, empty layers left out) in one query.

    ``memo`` (a :class:`Database`'s): the partitions' boxes are kept there and the
    partitions a tile touches found in memory, not by a round trip (stale boxes are
    caught by the statement's own reading of the keys, and read again)."""
    layers = tuple(c for c in tileset.layers if c.min_zoom <= tile.z <= c.max_zoom)
    if not layers:
        return RenderedTile(marks_of(session, tileset.tables), b"", {}, ())
    sql, params = statement(session, tileset, tile, layers, memo=memo)
    row = _drawn(session, sql, layers, params, memo)
    if any(int(row[f"n{i}"][1]) > feature_limit(c) for i, c in enumerate(layers)):
        # a layer was cut at its feature limit: drawn again by the exact (two-pass) form
        sql, params = statement(session, tileset, tile, layers, exact=True, memo=memo)
        row = _drawn(session, sql, layers, params, memo)
    data = b"".join(bytes(row[f"mvt{i}"] or b"") for i in range(len(layers)))
    counts, truncated, too_small = {}, [], {}
    for i, c in enumerate(layers):
        drawn, candidates, lost = (int(v) for v in row[f"n{i}"])
        counts[layer_name(c)] = min(drawn, feature_limit(c))
        if candidates > feature_limit(c):  # the query stopped early: more may exist
            truncated.append(layer_name(c))
        if lost:
            too_small[layer_name(c)] = lost
    marks = Marks.of_mapping(row["marks"] or {})
    return RenderedTile(marks, data, counts, tuple(truncated), too_small)


def statement(
    session: Executor,
    tileset: Tileset,
    tile: TileAddress,
    layers: tuple[Collection, ...],
    exact: bool = False,
    memo: dict[str, Any] | None = None,
) -> tuple[str, dict[str, object]]:
    """The tile's statement and its parameters (the partitions of each partitioned layer
    named as they are now) for the tileset's ``layers`` shown at this zoom; ``exact``: the
    form for a tile with a layer cut at its feature limit (``gis.tiles.statement``)."""
    simplify = tile.z < SIMPLIFY_BELOW_ZOOM
    int_ids = tuple(has_integer_id(session, c) for c in layers)
    params: dict[str, object] = {
        "z": tile.z,
        "x": tile.x,
        "y": tile.y,
        "margin": FEATURE_MARGIN / EXTENT,
        "tol": tile_width_m(tile.z) / EXTENT,
        "tables": sorted(tileset.tables),
    }
    if tileset.at is not None:  # a past instant (gis.tiles.past)
        params["at"] = tileset.at
    for i, c in enumerate(layers):
        params[f"name{i}"] = layer_name(c)
        params[f"lim{i}"] = feature_limit(c)
        if c.extents is not None:
            params[f"keys{i}"] = _keys(session, c, tile, params, memo)
    return tile_sql(layers, simplify, int_ids, exact), params


BOXES_MAX_AGE_S = 60.0  # kept partition boxes are read again after this long


def _boxes_key(c: Collection) -> str:
    assert c.extents is not None
    return f"tiles.boxes:{c.extents.table}"


def _keys(
    session: Executor,
    c: Collection,
    tile: TileAddress,
    params: dict[str, object],
    memo: dict[str, Any] | None,
) -> list[str]:
    """The keys (partitions) of ``c`` the tile can touch: from the boxes kept in ``memo``
    as ``(read at, boxes)`` (read on first use and again after ``BOXES_MAX_AGE_S``, so
    boxes that shrank stop planning partitions a tile no longer needs), else asked of the
    database."""
    if memo is None:
        return extents.keys(session, c, params, ENVELOPE_4490)
    kept = memo.get(_boxes_key(c))
    if kept is None or time.monotonic() - kept[0] > BOXES_MAX_AGE_S:
        kept = memo[_boxes_key(c)] = (time.monotonic(), extents.load_boxes(session, c))
    boxes: extents.Boxes = kept[1]
    return boxes.meeting(*envelope_lonlat(tile, FEATURE_MARGIN / EXTENT))


KEY_TRIES = 5


def _drawn(
    session: Executor,
    sql: str,
    layers: tuple[Collection, ...],
    params: dict[str, object],
    memo: dict[str, Any] | None = None,
) -> Any:
    """The tile statement's row; drawn again when it sees a key (partition) that was not
    planned: a parcel committed between the lookup of the partitions and the statement, or
    boxes kept in ``memo`` that a write has since grown (then they are read again)."""
    pruned = [i for i, c in enumerate(layers) if c.extents is not None]
    for _ in range(KEY_TRIES):
        row = session.execute(text(sql), params).one()._mapping
        planned = {i: set(params[f"keys{i}"]) for i in pruned}  # type: ignore[call-overload]
        moved = [i for i in pruned if not set(row[f"keys{i}"]) <= planned[i]]
        if not moved:
            return row
        for i in moved:
            params[f"keys{i}"] = list(row[f"keys{i}"])
            if memo is not None:
                memo.pop(_boxes_key(layers[i]), None)
    raise RuntimeError(f"the tile's partitions kept moving ({KEY_TRIES} tries)")


def no_parallel_plan(session: Session) -> None:
    """Plan this transaction's tile query without parallel workers (faster for one tile)."""
    session.execute(text("SELECT set_config('max_parallel_workers_per_gather', '0', true)"))


TRACKED_SQL = (
    "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
    "WHERE t.tgname = c.relname || '_tile_ins' AND t.tgenabled <> 'D'"
)
_TRACKED_KEY = "tiles.tracked"


def tracked_tables(database: Database, tables: frozenset[str]) -> frozenset[str]:
    """Which of ``tables`` log their edits to ``tile_change`` (remembered in ``database``
    once all are)."""
    known: frozenset[str] = database.memo.get(_TRACKED_KEY, frozenset())
    if not tables <= known:
        with database.autocommit.connect() as conn:
            known = frozenset(conn.exec_driver_sql(TRACKED_SQL).scalars())
        database.memo[_TRACKED_KEY] = known
    return tables & known


def render_committed(
    database: Database, tileset: Tileset, tile: TileAddress, latest: Marks | None = None
) -> RenderedTile:
    """:func:`render` on the tile pool (``database.autocommit``: committed data, one round
    trip); retried once when a pooled connection turns out to be dropped. With a read
    replica, made there once it has caught up with ``latest`` (gis/replica.py)."""
    if latest is not None:
        from gis import replica

        made = replica.render_tile(database, render, tileset, tile, latest)
        if made is not None:
            return made
    for attempt in (1, 2):
        try:
            with database.autocommit.connect() as conn:
                return render(conn, tileset, tile, database.memo)
        except DBAPIError as exc:
            if attempt == 2 or not exc.connection_invalidated:
                raise
    raise AssertionError("unreachable")


def committed_marks(database: Database) -> Marks:
    """The newest *committed* change-log sequence number of every table.

    Read outside the request's transaction, in a fresh snapshot, so every edit whose
    response has returned is seen. Retried once on a dropped connection.
    """
    for attempt in (1, 2):
        try:
            with database.autocommit.connect() as conn:
                return marks_from_rows(conn.exec_driver_sql(LATEST_SQL).all())
        except DBAPIError as exc:
            if attempt == 2 or not exc.connection_invalidated:
                raise
    raise AssertionError("unreachable")


# The newest sequence number of each table in the log: a loose index scan over
# tile_change (table_name, seq), one index probe per table.
LATEST_SQL = """
WITH RECURSIVE t AS (
  (SELECT table_name, seq FROM tile_change ORDER BY table_name DESC, seq DESC LIMIT 1)
  UNION ALL
  SELECT x.table_name, x.seq FROM t CROSS JOIN LATERAL (
    SELECT c.table_name, c.seq FROM tile_change c WHERE c.table_name < t.table_name
    ORDER BY c.table_name DESC, c.seq DESC LIMIT 1) x
)
SELECT table_name, seq FROM t
"""


def marks_from_rows(rows: Iterable[Any]) -> Marks:
    return Marks.of_mapping({r[0]: r[1] for r in rows})


def marks_of(session: Executor, tables: Iterable[str]) -> Marks:
    """The marks of ``tables`` as the session sees them."""
    row = session.execute(text(MARKS_OF_SQL), {"tables": sorted(tables)}).scalar_one()
    return Marks.of_mapping(row or {})


def latest_marks(session: Executor) -> Marks:
    """The marks of every table as the session sees them."""
    return marks_from_rows(session.execute(text(LATEST_SQL)).all())


LATEST_SEQ_SQL = "SELECT coalesce(max(seq), 0) FROM tile_change"


def latest_seq(session: Executor) -> int:
    """The newest change-log sequence number the session sees (0 when the log is empty)."""
    return int(session.execute(text(LATEST_SEQ_SQL)).scalar_one())


@dataclass(frozen=True)
class Change:
    """Rows of ``table`` inside ``bbox`` (lon/lat; None = the whole table) changed at ``seq``."""

    seq: int
    table: str
    bbox: tuple[float, float, float, float] | None


CHANGES_SQL = (
    "SELECT seq, table_name, west, south, east, north FROM tile_change "
    "WHERE seq > :after AND seq <= :upto ORDER BY seq"
)


def changes_between(session: Session, after: int, upto: int) -> list[Change]:
    """The change-log entries the session sees with ``after < seq <= upto``, oldest first."""
    rows = session.execute(text(CHANGES_SQL), {"after": after, "upto": upto})
    return _changes(rows)


# The changes of each table between two of its marks, in one statement (one snapshot):
# a table whose log was pruned above its ``after`` mark gets one whole-table change
# instead (rows it needs may be gone), so a reader too far behind drops its tiles.
CHANGES_SINCE_SQL = """
WITH r AS (
  SELECT * FROM unnest(CAST(:tables AS text[]), CAST(:afters AS bigint[]),
                       CAST(:uptos AS bigint[])) AS r(t, a, u)
)
SELECT c.seq, c.table_name, c.west, c.south, c.east, c.north
FROM r JOIN tile_change c ON c.table_name = r.t AND c.seq > r.a AND c.seq <= r.u
UNION ALL
SELECT r.u, r.t, NULL, NULL, NULL, NULL
FROM r JOIN tile_change_pruned p ON p.table_name = r.t AND p.upto > r.a
ORDER BY 1
"""

Ranges = Mapping[str, tuple[int, int]]  # table -> (after, upto)


def changes_since(session: Executor, ranges: Ranges) -> list[Change]:
    """The change-log entries of each table with ``after < seq <= upto``, oldest first."""
    if not ranges:
        return []
    tables = sorted(ranges)
    params = {
        "tables": tables,
        "afters": [ranges[t][0] for t in tables],
        "uptos": [ranges[t][1] for t in tables],
    }
    return _changes(session.execute(text(CHANGES_SINCE_SQL), params))


def changes_since_committed(database: Database, ranges: Ranges) -> list[Change]:
    """:func:`changes_since` on committed data (the tile pool of ``database``)."""
    if not ranges:
        return []
    with database.autocommit.connect() as conn:
        return changes_since(conn, ranges)


def prune_log(database: Database, keep_hours: float) -> int:
    """Delete change-log rows older than ``keep_hours`` (see ``tile_change_prune``)."""
    with database.autocommit.connect() as conn:
        n = conn.execute(
            text("SELECT tile_change_prune(make_interval(secs => :s))"),
            {"s": keep_hours * 3600},
        ).scalar_one()
    return int(n)


def _changes(rows: Any) -> list[Change]:
    return [
        Change(r.seq, r.table_name, None if r.west is None else (r.west, r.south, r.east, r.north))
        for r in rows
    ]


def extent(session: Session, c: Collection) -> tuple[float, float, float, float] | None:
    """Lon/lat bounds of a collection's current features (None when it is empty)."""
    row = session.execute(text(extents.bounds_sql(c))).one()
    return None if row[0] is None else (row[0], row[1], row[2], row[3])
