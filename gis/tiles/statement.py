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


def _layer_cte(i: int, c: Collection, simplify: bool) -> str:
    geom = f"ST_Transform(t.{q(c.geometry_column)}, 3857)"
    if simplify:
        geom = f"ST_Simplify({geom}, :tol, true)"
    where = f" AND ({c.where})" if c.where else ""
    if c.extents is not None:  # a partitioned table: planned on the tile's partitions only
        where += f" AND {extents.condition(c, f'keys{i}')}"
    # ``g0`` (the stored geometry) is kept for the rows ST_AsMVTGeom drops, to tell those
    # in the tile but too small to draw at this zoom (reported) from those only near it;
    # computed in the count, so ST_AsMVTGeom runs once per row without a LATERAL subquery
    # (which cost ~10% of the statement: benchmarks/tiles_db.py).
    return (
        f"l{i} AS MATERIALIZED (SELECT t.{q(c.id_column)} AS fid, {_column_list(c)}"
        f"ST_AsMVTGeom({geom}, env.e3857, {EXTENT}, {BUFFER}, true) AS geom, "
        f"t.{q(c.geometry_column)} AS g0 FROM {q(c.table)} t CROSS JOIN env "
        f"WHERE t.{q(c.geometry_column)} && env.e4490{where} LIMIT :lim{i} + 1)"
    )


_sql_cache: dict[tuple[object, ...], str] = {}


def _signature(c: Collection) -> tuple[object, ...]:
    return (
        c.id,
        c.table,
        c.where,
        c.geometry_column,
        c.id_column,
        tuple(c.properties.items()),
        c.extents,
    )


def tile_sql(layers: tuple[Collection, ...], simplify: bool, int_ids: tuple[bool, ...]) -> str:
    """The statement for these layers (built once per layer set and kept)."""
    key = (tuple(_signature(c) for c in layers), simplify, int_ids)
    if key not in _sql_cache:
        _sql_cache[key] = _build_tile_sql(layers, simplify, int_ids)
    return _sql_cache[key]


def _build_tile_sql(
    layers: tuple[Collection, ...], simplify: bool, int_ids: tuple[bool, ...]
) -> str:
    """One statement making every layer's MVT and reading the change-log position."""
    env = f"env AS (SELECT ST_TileEnvelope(:z, :x, :y) AS e3857, {ENVELOPE_4490} AS e4490)"
    ctes = [env] + [_layer_cte(i, c, simplify) for i, c in enumerate(layers)]
    cols = [f"({MARKS_OF_SQL}) AS marks"]
    for i, (c, int_id) in enumerate(zip(layers, int_ids, strict=True)):
        if c.extents is not None:  # the partitions again, in this statement's snapshot
            cols.append(f"({extents.keys_sql(c, '(SELECT e4490 FROM env)')}) AS keys{i}")
        fid = ", 'fid'" if int_id else ""
        props = "".join(f"{q(p)}, " for p in c.properties)
        # a text id already published as a property (parcels' unit_code) is not sent twice
        fid_col = "" if not int_id and c.id_column in c.properties else "fid, "
        cols.append(
            f"(SELECT ST_AsMVT(m, :name{i}, {EXTENT}, 'geom'{fid}) FROM (SELECT {fid_col}{props}"
            f"geom FROM l{i} WHERE geom IS NOT NULL LIMIT :lim{i}) m) AS mvt{i}"
        )
        cols.append(
            f"(SELECT ARRAY[count(*) FILTER (WHERE geom IS NOT NULL), count(*), "
            f"count(*) FILTER (WHERE geom IS NULL AND ST_Intersects(g0, "
            f"(SELECT e4490 FROM env)))] FROM l{i}) AS n{i}"
        )
    return "WITH " + ", ".join(ctes) + " SELECT " + ", ".join(cols)
