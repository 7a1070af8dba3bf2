"""The SQL of OGC API Features: PostGIS builds every Feature's JSON text itself.

Identifiers (table, columns, fixed conditions) come from :class:`gis.collections.Collection`
definitions in code; every value from a request is a bound parameter.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis import db, extents
from gis.collections import Collection
from gis.ogc.crs import OutputCrs
from gis.tiles.statement import MARKS_OF_SQL
from gis.tiles.tilesets import filter_tables


@dataclass(frozen=True)
class SortKey:
    """One ``sortby`` key: a property name from the collection's own list, and its direction."""

    name: str
    descending: bool = False


@dataclass
class Query:
    """What to select on alias ``t``: conditions (SQL from code and the CQL2 translator) with
    bound params, the sort keys, and which published properties to return (None: all)."""

    conditions: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    sort: tuple[SortKey, ...] = ()
    properties: tuple[str, ...] | None = None
    # a versioned collection read at a time: this condition replaces its "current" filter
    lifespan_where: str | None = None
    # geometries every row meets (the bbox, a CQL2 filter's spatial literals; SQL over
    # ``params``, EPSG:4490): a partitioned table is pruned to the keys meeting them all
    envelopes: list[str] = field(default_factory=list)

    def add(self, sql: str, **params: Any) -> None:
        self.conditions.append(sql)
        self.params.update(params)


def geometry_sql(c: Collection, crs: OutputCrs) -> str:
    """GeoJSON text of the geometry in the output CRS and axis order (options 0: no crs member)."""
    g = f't."{c.geometry_column}"'
    if crs.srid != 4490:
        g = f"ST_Transform({g}, {crs.srid})"
    if crs.flip:
        g = f"ST_FlipCoordinates({g})"
    return f"coalesce(ST_AsGeoJSON({g}, {crs.digits}, 0), 'null')"


def _published(c: Collection, names: tuple[str, ...]) -> tuple[str, ...]:
    """The names, checked against the collection's list (identifiers never come from users)."""
    unknown = [n for n in names if n not in c.properties]
    if unknown:
        raise ValueError(f"{c.id} does not publish {unknown}")
    return names


def feature_sql(c: Collection, crs: OutputCrs, properties: tuple[str, ...] | None = None) -> str:
    """A Feature as JSON text, concatenated so the geometry's JSON is never parsed again.

    ``properties`` selects (and orders) the published properties; None gives all of them.
    """
    names = tuple(c.properties) if properties is None else _published(c, properties)
    props = ", ".join(f"'{name}', t.\"{name}\"" for name in names)
    if c.lifespan is not None and properties is None:  # each version says when it was valid
        begin, end = c.lifespan
        valid = f"'valid_from', t.\"{begin}\", 'valid_to', t.\"{end}\""
        props = f"{props}, {valid}" if props else valid
    return (
        f'\'{{"type":"Feature","id":\' || to_json(t."{c.id_column}")::text'
        f" || ',\"geometry\":' || {geometry_sql(c, crs)}"
        f" || ',\"properties\":' || json_build_object({props})::text || '}}'"
    )


def pruned(session: Session, c: Collection, q: Query) -> Query:
    """``q`` with the partitions its envelopes can touch named (:mod:`gis.extents`)."""
    if c.extents is None or not q.envelopes:
        return q
    found = extents.keys(session, c, q.params, *q.envelopes)
    return replace(
        q,
        conditions=[*q.conditions, extents.condition(c, "extent_keys")],
        params={**q.params, "extent_keys": found},
    )


WALK_FIRST = 4  # keys counted by the first step of a page walk (doubling each step)


def walked(session: Session, c: Collection, q: Query, limit: int, offset: int) -> tuple[Query, int]:
    """A page in id order, unfiltered, of a partitioned collection whose id begins with
    its key (a client reading the whole collection page by page): the keys holding rows
    ``offset`` to ``offset + limit`` (+1: whether more follow) are counted in key order, a
    few keys at a time, so the page is planned on their partitions only (all of them:
    ~30 ms of planning at 324 zones, more than the read). Returns the query naming them
    and the page's offset within them."""
    e = c.extents
    if e is None or not e.id_begins_with_key or q.conditions or q.sort:
        return q, offset  # filtered reads: a selective filter would walk every key
    keys_sql = text(
        f'SELECT "{e.key}"::text FROM "{e.table}" WHERE "{e.key}" > :after '  # noqa: S608
        f'ORDER BY "{e.key}" LIMIT :n'
    )
    counts_sql = text(
        f'SELECT t."{e.key}"::text, count(*) FROM "{c.table}" t '  # noqa: S608
        f"WHERE {where_sql(c, q)} AND {extents.condition(c, 'walk_keys')} GROUP BY 1"
    )
    need, seen, skipped = offset + limit + 1, 0, 0
    page: list[str] = []
    after, step = "", WALK_FIRST
    while seen < need:
        batch = list(session.execute(keys_sql, {"after": after, "n": step}).scalars())
        if not batch:
            break
        rows = session.execute(counts_sql, {**q.params, "walk_keys": batch}).tuples()
        counts: dict[str, int] = {str(k): int(n) for k, n in rows}
        for key in batch:
            n = counts.get(key, 0)
            if not page and seen + n <= offset:
                skipped += n  # wholly before the page
            elif seen < need:
                page.append(key)
            seen += n
        after, step = batch[-1], step * 2
    found = replace(
        q,
        conditions=[*q.conditions, extents.condition(c, "page_keys")],
        params={**q.params, "page_keys": page},
    )
    return found, offset - skipped


def where_sql(c: Collection, q: Query) -> str:
    base = q.lifespan_where if q.lifespan_where is not None else c.where
    conds = ([f"({base})"] if base else []) + q.conditions
    return " AND ".join(conds) or "TRUE"


def order_sql(c: Collection, sort: tuple[SortKey, ...]) -> str:
    """ORDER BY keys on alias ``t``: the sort keys, then the id so that pages never overlap."""
    _published(c, tuple(k.name for k in sort))
    keys = [f't."{k.name}" {"DESC" if k.descending else "ASC"}' for k in sort]
    if c.id_column not in {k.name for k in sort}:
        keys.append(f't."{c.id_column}"')
    return ", ".join(keys)


def items(
    session: Session, c: Collection, crs: OutputCrs, q: Query, limit: int, offset: int
) -> tuple[str, int, bool]:
    """(comma-joined Feature texts, number returned, whether more follow) of one page."""
    q = pruned(session, c, q)
    q, offset = walked(session, c, q, limit, offset)
    order = order_sql(c, q.sort)
    sql = f"""
    WITH page AS (
      SELECT {feature_sql(c, crs, q.properties)} AS f, row_number() OVER (ORDER BY {order}) AS rn
      FROM (SELECT * FROM "{c.table}" t WHERE {where_sql(c, q)}
            ORDER BY {order} LIMIT :lim_1 OFFSET :off) t
    )
    SELECT coalesce(string_agg(f, ',' ORDER BY rn) FILTER (WHERE rn <= :lim), ''),
           count(*) FILTER (WHERE rn <= :lim), count(*) > :lim
    FROM page
    """
    params = {**q.params, "lim": limit, "lim_1": limit + 1, "off": offset}
    body, n, more = session.execute(text(sql), params).one()
    return str(body), int(n), bool(more)


CHEAP_COUNT_ROWS = 50_000
ESTIMATE_MAX_AGE_S = 60.0  # whether a table is that small changes slowly


def estimated_rows(session: Session, c: Collection) -> float:
    """The planner's row estimate of the collection's table (-1: unknown)."""
    return db.estimated_rows(session, c.table, ESTIMATE_MAX_AGE_S)


def count(session: Session, c: Collection, q: Query) -> int:
    q = pruned(session, c, q)
    sql = f'SELECT count(*) FROM "{c.table}" t WHERE {where_sql(c, q)}'
    return int(session.execute(text(sql), q.params).scalar_one())


def item(
    session: Session,
    c: Collection,
    crs: OutputCrs,
    fid: str,
    properties: tuple[str, ...] | None = None,
) -> str | None:
    """One Feature's JSON text (all or the selected published properties), or None."""
    cast = id_type(session, c)
    sql = f"""
    SELECT {feature_sql(c, crs, properties)} FROM "{c.table}" t
    WHERE {where_sql(c, Query())} AND t."{c.id_column}" = CAST(:fid AS {cast})
    """
    if cast in ("integer", "bigint") and not fid.lstrip("-").isdigit():
        return None
    return session.execute(text(sql), {"fid": fid}).scalar()


_ID_TYPES: dict[tuple[str, str], str] = {}


def id_type(session: Session, c: Collection) -> str:
    """The SQL type of the id column (integer, bigint, text ...), cached."""
    key = (c.table, c.id_column)
    if key not in _ID_TYPES:
        found = session.execute(
            text(
                "SELECT format_type(atttypid, NULL) FROM pg_attribute "
                "WHERE attrelid = CAST(:t AS regclass) AND attname = :col"
            ),
            {"t": c.table, "col": c.id_column},
        ).scalar_one()
        _ID_TYPES[key] = "text" if found.startswith("character") else str(found)
    return _ID_TYPES[key]


# per collection: when it was read, the change-log marks of its tables then, and the box
_EXTENTS: dict[str, tuple[float, dict[str, int] | None, list[float] | None]] = {}
EXTENT_TTL_S = 60.0
# a fixed condition that reads the clock can change its rows without a write
_READS_CLOCK = re.compile(r"\b(?:now|clock_timestamp|current_date|current_timestamp)\b", re.I)


def extent(session: Session, c: Collection) -> list[float] | None:
    """[minx, miny, maxx, maxy] in lon/lat of the collection's rows: from its keys' current
    boxes when it keeps them (exact and always fresh), that of the collection it is an
    overview of, else from a scan kept until a write to one of its tables is logged in the
    tile change log (a table not logged: a minute). At 5M parcels the scans of the plan
    layers and the roads, once a minute, took /ogc/collections to 0.7 s."""
    if c.extent_of is not None:
        return extent(session, c.extent_of)
    if c.extents is not None and c.extents.current is not None:
        return _bounds(session, c)
    marks = _marks(session, c)  # before the scan: a write between them makes the next read scan
    hit = _EXTENTS.get(c.id)
    if hit and (hit[1] == marks if marks is not None else time.monotonic() - hit[0] < EXTENT_TTL_S):
        return hit[2]
    box = _bounds(session, c)
    _EXTENTS[c.id] = (time.monotonic(), marks, box)
    return box


def _bounds(session: Session, c: Collection) -> list[float] | None:
    row = session.execute(text(extents.bounds_sql(c))).one()
    return None if row[0] is None else [round(float(v), 7) for v in row]


def _marks(session: Session, c: Collection) -> dict[str, int] | None:
    """The newest change-log entry of each table the collection's rows come from (as the
    tiles' freshness uses it); None when one is not logged (or its log was pruned) or the
    rows depend on the clock."""
    if c.where and _READS_CLOCK.search(c.where):
        return None
    tables = sorted({c.table, *filter_tables(c.where)})
    found = session.execute(text(MARKS_OF_SQL), {"tables": tables}).scalar_one() or {}
    return {t: int(found[t]) for t in tables} if set(found) == set(tables) else None
