"""The tile statement: one query making every layer's MVT and reading the change log's
position (built once per layer set and kept).

Identifiers come from registered collections (code, never users) and are quoted; every
value (z, x, y, limits, tolerances, partition keys) is a bound parameter.
"""

from __future__ import annotations

from gis import extents
from gis.collections import Collection
from gis.tiles.matrix import BUFFER, EXTENT

# A tile carries the features meeting it grown by this many MVT units (1.5 px of a
# 256-px tile: the outer half of the widest outline the map styles draw, 3 px, just
# across the seam), not by the whole 64-unit clip buffer: each tile is drawn clipped to
# its own square, so a feature lying only in the far buffer is never seen, yet it cost
# 6% more rows and 5% more bytes per z14 parcel tile (benchmarks/tiles_db.py).
FEATURE_MARGIN = 24
CASTS = {"integer": "::bigint", "number": "::float8", "boolean": "::boolean"}
ENVELOPE_4490 = "ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4490)"
# The marks of the tables named in :tables (a JSON object table -> seq).
MARKS_OF_SQL = (
    "SELECT coalesce(jsonb_object_agg(n, m), '{}') FROM (SELECT n, (SELECT max(c.seq) "
    "FROM tile_change c WHERE c.table_name = n) AS m FROM unnest(CAST(:tables AS text[])) n) s "
    "WHERE m IS NOT NULL"
)


def q(name: str) -> str:
    """A quoted SQL identifier (names come from code, quoting guards odd spellings)."""
    return '"' + name.replace('"', '""') + '"'


def _column_list(c: Collection) -> str:
    cols = [
        f"t.{q(col)}{CASTS.get(kind, '::text')} AS {q(col)}" for col, kind in c.properties.items()
    ]
    return "".join(col + ", " for col in cols)


def _candidates(i: int, c: Collection, simplify: bool) -> str:
    """The rows of layer ``i`` meeting the tile (one more than its feature limit, to tell a
    cut layer): its id as ``fid``, properties, the MVT geometry as ``geom`` (NULL for a row
    too small or too far to draw) and the stored geometry as ``g0``."""
    if c.tile_geometry_column is not None:  # stored in EPSG:3857 (-15% a z14 parcel tile)
        geom = f"t.{q(c.tile_geometry_column)}"
    else:
        geom = f"ST_Transform(t.{q(c.geometry_column)}, 3857)"
    if simplify:
        geom = f"ST_Simplify({geom}, :tol, true)"
    where = f" AND ({c.where})" if c.where else ""
    if c.extents is not None:  # a partitioned table: planned on the tile's partitions only
        where += f" AND {extents.condition(c, f'keys{i}')}"
    return (
        f"SELECT t.{q(c.id_column)} AS fid, {_column_list(c)}"
        f"ST_AsMVTGeom({geom}, env.e3857, {EXTENT}, {BUFFER}, true) AS geom, "
        f"t.{q(c.geometry_column)} AS g0 FROM {q(c.table)} t CROSS JOIN env "
        f"WHERE t.{q(c.geometry_column)} && env.e4490{where} LIMIT :lim{i} + 1"
    )


def _mvt_columns(c: Collection, int_id: bool, alias: str = "") -> str:
    """The columns of the MVT's rows: the id unless it is already a property, the
    properties, the geometry (``alias``: the relation they are read from)."""
    # a text id already published as a property (parcels' unit_code) is not sent twice
    fid = "" if not int_id and c.id_column in c.properties else f"{alias}fid, "
    props = "".join(f"{alias}{q(p)}, " for p in c.properties)
    return f"{fid}{props}{alias}geom"


def _mvt(i: int, c: Collection, int_id: bool, rows: str) -> str:
    fid = ", 'fid'" if int_id else ""
    return f"ST_AsMVT({rows}, :name{i}, {EXTENT}, 'geom'{fid})"


# per layer: [drawn, candidates, in the tile but too small to draw] (``g0`` tells those in
# the tile, at this zoom too small to draw and reported, from those only near it)
COUNTS = (
    "ARRAY[count({a}geom), count(*), count(*) FILTER (WHERE {a}geom IS NULL AND "
    "ST_Intersects({a}g0, (SELECT e4490 FROM env)))]"
)


def _one_pass(i: int, c: Collection, int_id: bool, simplify: bool) -> str:
    """Layer ``i``'s MVT and counts in one aggregate over its candidates (the MVT skips the
    rows it cannot draw). Exact unless the layer is cut: its MVT then holds one row over the
    limit, and the tile is drawn again by :func:`_two_pass` (``render``)."""
    return (
        f"(SELECT {_mvt(i, c, int_id, 'm')} AS mvt, {COUNTS.format(a='s.')} AS n "
        f"FROM ({_candidates(i, c, simplify)}) s "
        f"CROSS JOIN LATERAL (SELECT {_mvt_columns(c, int_id, 's.')}) m) l{i}"
    )


def _two_pass(i: int, c: Collection, int_id: bool, simplify: bool) -> tuple[str, str, str]:
    """Layer ``i``'s candidates kept (a CTE), its MVT from the first ``lim`` it can draw,
    and its counts: exact when the layer is cut (~0.7 ms more a z14 parcel tile)."""
    cte = f"l{i} AS MATERIALIZED ({_candidates(i, c, simplify)})"
    mvt = (
        f"(SELECT {_mvt(i, c, int_id, 'm')} FROM (SELECT {_mvt_columns(c, int_id)} FROM l{i} "
        f"WHERE geom IS NOT NULL LIMIT :lim{i}) m)"
    )
    return cte, mvt, f"(SELECT {COUNTS.format(a='')} FROM l{i})"


_sql_cache: dict[tuple[object, ...], str] = {}


def _signature(c: Collection) -> tuple[object, ...]:
    return (
        c.id,
        c.table,
        c.where,
        c.geometry_column,
        c.tile_geometry_column,
        c.id_column,
        tuple(c.properties.items()),
        c.extents,
    )


def tile_sql(
    layers: tuple[Collection, ...], simplify: bool, int_ids: tuple[bool, ...], exact: bool = False
) -> str:
    """The statement for these layers (built once per layer set and kept); ``exact``: the
    two-pass form, for a tile with a layer cut at its feature limit."""
    key = (tuple(_signature(c) for c in layers), simplify, int_ids, exact)
    if key not in _sql_cache:
        _sql_cache[key] = _build_tile_sql(layers, simplify, int_ids, exact)
    return _sql_cache[key]


def _build_tile_sql(
    layers: tuple[Collection, ...], simplify: bool, int_ids: tuple[bool, ...], exact: bool
) -> str:
    """One statement making every layer's MVT and counts and reading the change-log
    position (and the partitions' keys again, in its own snapshot)."""
    env = f"env AS (SELECT ST_TileEnvelope(:z, :x, :y) AS e3857, {ENVELOPE_4490} AS e4490)"
    ctes, cols, sources = [env], [f"({MARKS_OF_SQL}) AS marks"], []
    for i, (c, int_id) in enumerate(zip(layers, int_ids, strict=True)):
        if c.extents is not None:  # the partitions again, in this statement's snapshot
            cols.append(f"({extents.keys_sql(c, '(SELECT e4490 FROM env)')}) AS keys{i}")
        if exact:
            cte, mvt, counts = _two_pass(i, c, int_id, simplify)
            ctes.append(cte)
            cols += [f"{mvt} AS mvt{i}", f"{counts} AS n{i}"]
        else:
            sources.append(_one_pass(i, c, int_id, simplify))
            cols += [f"l{i}.mvt AS mvt{i}", f"l{i}.n AS n{i}"]
    source = " FROM " + " CROSS JOIN ".join(sources) if sources else ""
    return "WITH " + ", ".join(ctes) + " SELECT " + ", ".join(cols) + source
