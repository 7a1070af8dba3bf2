"""CQL2 (text and JSON) filters to SQL with bound parameters, via pygeofilter's parsers.

Only properties the collection publishes (and its geometry) may be named; every
literal becomes a bound parameter; identifiers come from the collection definition.
Spatial literals are read in ``filter-crs`` (CRS84 by default) and compared in EPSG:4490.
A spatial predicate that every row must pass (one not under OR or NOT, and not
S_DISJOINT) also gives its literal as an envelope the rows meet, so a partitioned
collection is read from the partitions it can touch (``gis.extents``).
Temporal operators T_BEFORE, T_AFTER, T_DURING and T_INTERSECTS compare a date or datetime
property with an instant or an interval (open ends ``..`` allowed); the other T_ operators
are refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pygeofilter import ast, values
from pygeofilter.parsers.cql2_json import parse as parse_json

from gis.collections import Collection
from gis.ogc.cql_text import parse as parse_text
from gis.ogc.crs import OutputCrs
from gis.ogc.errors import InvalidParameter

COMPARE = {
    ast.Equal: "=",
    ast.NotEqual: "<>",
    ast.LessThan: "<",
    ast.LessEqual: "<=",
    ast.GreaterThan: ">",
    ast.GreaterEqual: ">=",
}
SPATIAL = {
    ast.GeometryIntersects: "ST_Intersects",
    ast.GeometryDisjoint: "ST_Disjoint",
    ast.GeometryContains: "ST_Contains",
    ast.GeometryWithin: "ST_Within",
    ast.GeometryTouches: "ST_Touches",
    ast.GeometryCrosses: "ST_Crosses",
    ast.GeometryOverlaps: "ST_Overlaps",
    ast.GeometryEquals: "ST_Equals",
}
# the rows that pass these meet the literal's bounding box (S_DISJOINT's do not)
MEETING = frozenset(SPATIAL) - {ast.GeometryDisjoint}
GEOMETRY_NAMES = ("geometry", "geom")
NUMERIC = ("integer", "number")
TIME_KINDS = ("date", "datetime")
# pygeofilter reads T_INTERSECTS as TimeOverlaps (a proper T_OVERLAPS is refused)
TEMPORAL = {
    ast.TimeBefore: "T_BEFORE",
    ast.TimeAfter: "T_AFTER",
    ast.TimeDuring: "T_DURING",
    ast.TimeOverlaps: "T_INTERSECTS",
}


def _parse_time(value: str, name: str) -> date | datetime:
    """An ISO date or RFC 3339 date-time given as a string literal, else 400."""
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidParameter(
            f"{value!r} is not a date for {name!r}", field="filter", property=name
        ) from None


def parse(text: str, lang: str | None) -> ast.Node:
    """Parse a CQL2 text or JSON filter; malformed input is a 400 naming ``filter``."""
    lang = (lang or "cql2-text").lower()
    if lang not in ("cql2-text", "cql2-json"):
        raise InvalidParameter(f"unknown filter-lang {lang!r}", field="filter-lang")
    try:
        if lang == "cql2-json":
            doc = json.loads(text)
            _refuse_t_overlaps(doc)
            return parse_json(doc)
        return parse_text(text)
    except InvalidParameter:
        raise
    except Exception as exc:  # pygeofilter raises lark and ValueError types
        msg = str(exc).splitlines()[0][:200]
        raise InvalidParameter(f"malformed {lang} filter: {msg}", field="filter") from None


def _refuse_t_overlaps(doc: Any) -> None:
    """pygeofilter reads CQL2 JSON ``t_overlaps`` as ``t_intersects``: refuse it before."""
    if isinstance(doc, dict):
        if str(doc.get("op", "")).lower() == "t_overlaps":
            raise _unsupported_temporal("T_OVERLAPS")
        for value in doc.values():
            _refuse_t_overlaps(value)
    elif isinstance(doc, list):
        for value in doc:
            _refuse_t_overlaps(value)


def _unsupported_temporal(name: str) -> InvalidParameter:
    return InvalidParameter(
        f"the filter uses {name}; supported temporal operators: {', '.join(TEMPORAL.values())}",
        field="filter",
    )


class SqlFilter:
    """Walks a pygeofilter AST into a SQL condition on alias ``t``, collecting parameters."""

    def __init__(self, collection: Collection, crs: OutputCrs, prefix: str = "f") -> None:
        self.c = collection
        self.crs = crs
        self.prefix = prefix
        self.params: dict[str, Any] = {}
        # geometries (SQL, EPSG:4490) every row that passes meets
        self.envelopes: list[str] = []

    def bind(self, value: Any) -> str:
        name = f"{self.prefix}{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def to_sql(self, node: Any, every_row: bool = True) -> str:
        """``every_row``: the node is a term of the top-level AND (every row passes it)."""
        if isinstance(node, ast.Not):
            return f"(NOT {self.to_sql(node.sub_node, False)})"
        if isinstance(node, ast.And | ast.Or):
            op = "AND" if isinstance(node, ast.And) else "OR"
            inner = every_row and op == "AND"
            return f"({self.to_sql(node.lhs, inner)} {op} {self.to_sql(node.rhs, inner)})"
        if isinstance(node, ast.Include):
            return "FALSE" if node.not_ else "TRUE"
        for cls, op in COMPARE.items():
            if type(node) is cls:
                return self._compare(node.lhs, op, node.rhs)
        if isinstance(node, ast.Like):
            return self._like(node)
        if isinstance(node, ast.Between):
            lo, hi = self._value(node.lhs, node.low), self._value(node.lhs, node.high)
            neg = "NOT " if node.not_ else ""
            return f"({self._column(node.lhs)} {neg}BETWEEN {lo} AND {hi})"
        if isinstance(node, ast.In):
            values = ", ".join(self._value(node.lhs, v) for v in node.sub_nodes)
            return f"({self._column(node.lhs)} {'NOT ' if node.not_ else ''}IN ({values}))"
        if isinstance(node, ast.IsNull):
            return f"({self._column(node.lhs)} IS {'NOT ' if node.not_ else ''}NULL)"
        if isinstance(node, ast.BBox):
            env = f"ST_MakeEnvelope({', '.join(self.bind(float(v)) for v in self._bbox(node))})"
            env = f"ST_SetSRID({env}, 4490)"
            if every_row:
                self.envelopes.append(env)
            return f"ST_Intersects({self._geom(node.lhs)}, {env})"
        for cls, fn in SPATIAL.items():
            if type(node) is cls:
                lhs, rhs = self._spatial(node.lhs), self._spatial(node.rhs)
                on_rows = [isinstance(n, ast.Attribute) for n in (node.lhs, node.rhs)]
                if every_row and cls in MEETING and sum(on_rows) == 1:  # the row vs a literal
                    self.envelopes.append(rhs if on_rows[0] else lhs)
                return f"{fn}({lhs}, {rhs})"
        if isinstance(node, ast.TemporalPredicate):
            return self._temporal(node)
        raise InvalidParameter(
            f"the filter uses {type(node).__name__}, which this server does not support",
            field="filter",
        )

    def _bbox(self, node: ast.BBox) -> tuple[float, float, float, float]:
        box = (node.minx, node.miny, node.maxx, node.maxy)
        if self.crs.flip:
            box = (box[1], box[0], box[3], box[2])
        if box[0] > box[2] or box[1] > box[3]:
            raise InvalidParameter("BBOX in the filter has min > max", field="filter")
        return box

    def _column(self, node: Any) -> str:
        if not isinstance(node, ast.Attribute):
            raise InvalidParameter(
                "the left side of a comparison must be a property", field="filter"
            )
        if node.name not in self.c.properties:
            raise InvalidParameter(
                f"unknown property {node.name!r}; see the collection's queryables",
                field="filter",
                property=node.name,
            )
        return f't."{node.name}"'

    def _geom(self, node: Any) -> str:
        if isinstance(node, ast.Attribute) and node.name in GEOMETRY_NAMES:
            return f't."{self.c.geometry_column}"'
        raise InvalidParameter("a spatial predicate needs the geometry property", field="filter")

    def _spatial(self, node: Any) -> str:
        if isinstance(node, ast.Attribute):
            return self._geom(node)
        if isinstance(node, dict) or hasattr(node, "geometry"):
            geo = node if isinstance(node, dict) else node.geometry
            g = f"ST_GeomFromGeoJSON({self.bind(json.dumps(geo))})"
            if self.crs.flip:
                g = f"ST_FlipCoordinates({g})"
            return f"ST_Transform(ST_SetSRID({g}, {self.crs.srid}), 4490)"
        if isinstance(node, ast.Node) and type(node).__name__ == "Envelope":
            raise InvalidParameter("ENVELOPE literals are not supported", field="filter")
        raise InvalidParameter("a spatial predicate needs a geometry literal", field="filter")

    def _compare(self, lhs: Any, op: str, rhs: Any) -> str:
        return f"({self._column(lhs)} {op} {self._value(lhs, rhs)})"

    def _value(self, prop: Any, value: Any) -> str:
        kind = self.c.properties.get(getattr(prop, "name", ""), "string")
        if isinstance(value, ast.Node):
            raise InvalidParameter("only literal values may be compared", field="filter")
        ok = {
            "string": isinstance(value, str),
            "date": isinstance(value, date | str),
            "datetime": isinstance(value, datetime | date | str),
        }.get(kind, isinstance(value, int | float) and not isinstance(value, bool))
        if not ok:
            raise InvalidParameter(
                f"{value!r} cannot be compared with the {kind} property {prop.name!r}",
                field="filter",
                property=prop.name,
            )
        if kind in ("date", "datetime") and isinstance(value, str):
            value = _parse_time(value, prop.name)
        return self.bind(value)

    def _temporal(self, node: ast.TemporalPredicate) -> str:
        """An instant-valued property against an instant or an interval (``None``: open end)."""
        name = TEMPORAL.get(type(node))
        if name is None:
            raise _unsupported_temporal(f"T_{node.op.value}")
        col = self._column(node.lhs)
        kind = self.c.properties[node.lhs.name]
        if kind not in TIME_KINDS:
            raise InvalidParameter(
                f"{name} needs a date or datetime property; {node.lhs.name!r} is a {kind}",
                field="filter",
                property=node.lhs.name,
            )
        if isinstance(node.rhs, values.Interval):
            start, end = (self._instant(node.lhs.name, v) for v in (node.rhs.start, node.rhs.end))
        elif name == "T_DURING":
            raise InvalidParameter("T_DURING needs an INTERVAL", field="filter")
        else:
            start = end = self._instant(node.lhs.name, node.rhs)
        if name == "T_BEFORE":
            return f"({col} < {self.bind(start)})" if start else "FALSE"
        if name == "T_AFTER":
            return f"({col} > {self.bind(end)})" if end else "FALSE"
        lo, hi = (">", "<") if name == "T_DURING" else (">=", "<=")
        conds = [f"{col} IS NOT NULL"]
        conds += [f"{col} {lo} {self.bind(start)}"] if start else []
        conds += [f"{col} {hi} {self.bind(end)}"] if end else []
        return f"({' AND '.join(conds)})"

    def _instant(self, prop: str, value: Any) -> date | None:
        """A date / date-time to compare with, or None for an open interval end."""
        if value is None or value == "..":
            return None
        if isinstance(value, str):
            value = _parse_time(value, prop)
        if not isinstance(value, date):  # datetime is a date too
            raise InvalidParameter(
                f"{value!r} is not a date or timestamp for {prop!r}",
                field="filter",
                property=prop,
            )
        return value

    def _like(self, node: ast.Like) -> str:
        pattern = node.pattern  # CQL2 LIKE uses % and _ exactly as SQL does
        op = "ILIKE" if node.nocase else "LIKE"
        neg = "NOT " if node.not_ else ""
        return f"({self._column(node.lhs)}::text {neg}{op} {self.bind(pattern)})"


@dataclass(frozen=True)
class Translated:
    """A CQL2 filter as SQL on alias ``t``: its condition, bound parameters (named
    ``prefix``N) and the geometries every row it passes meets (SQL over the parameters)."""

    sql: str
    params: dict[str, Any]
    envelopes: tuple[str, ...]


def translate(
    collection: Collection, text: str, lang: str | None, crs: OutputCrs, prefix: str = "f"
) -> Translated:
    """The SQL of a CQL2 filter.

    Compiled once per distinct filter text (and collection, language, CRS): a map or a
    client repeating a filter pays for the parse once. A refused filter is not kept."""
    key = (_signature(collection), text, lang, crs, prefix)
    hit = _COMPILED.get(key)
    if hit is None:
        sql_filter = SqlFilter(collection, crs, prefix)
        sql = sql_filter.to_sql(parse(text, lang))
        hit = Translated(sql, sql_filter.params, tuple(sql_filter.envelopes))
        if len(_COMPILED) >= MAX_COMPILED:
            _COMPILED.clear()
        _COMPILED[key] = hit
    return Translated(hit.sql, dict(hit.params), hit.envelopes)


MAX_COMPILED = 1024  # distinct filters kept per process (a pure memo of translate)
_COMPILED: dict[tuple[Any, ...], Translated] = {}


def _signature(c: Collection) -> tuple[Any, ...]:
    """What of a collection a compiled filter depends on."""
    props = tuple(c.properties.items())
    return (c.id, c.table, c.geometry_column, c.datetime_column, props)
