"""Query parameters of the items endpoint: bbox, bbox-crs, datetime, limit, offset, filter,
sortby (OGC API Features Part 8) and properties (Part 6)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from gis.collections import Collection
from gis.geo import transformer
from gis.ogc import cql
from gis.ogc import crs as crs_mod
from gis.ogc.errors import InvalidParameter
from gis.ogc.repository import Query, SortKey

DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000


@dataclass(frozen=True)
class ItemsRequest:
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    bbox: str | None = None
    bbox_crs: str | None = None
    datetime: str | None = None
    filter: str | None = None
    filter_lang: str | None = None
    filter_crs: str | None = None
    property_filter: str | None = None  # CQL2 JSON made from ?property=value parameters
    sortby: str | None = None
    properties: str | None = None


def check_limit(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidParameter(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    if offset < 0:
        raise InvalidParameter("offset must not be negative", field="offset")


def parse_bbox(value: str, bbox_crs: str | None) -> tuple[list[float], crs_mod.OutputCrs]:
    """Four (or six) numbers in the axis order of ``bbox-crs``, returned east-first."""
    box_crs = crs_mod.parse(bbox_crs, field="bbox-crs")
    try:
        nums = [float(v) for v in value.split(",")]
    except ValueError:
        raise InvalidParameter(
            "bbox must be 4 or 6 comma-separated numbers", field="bbox"
        ) from None
    if len(nums) == 6:
        nums = [nums[0], nums[1], nums[3], nums[4]]
    if len(nums) != 4:
        raise InvalidParameter("bbox must be 4 or 6 comma-separated numbers", field="bbox")
    if box_crs.flip:
        nums = [nums[1], nums[0], nums[3], nums[2]]
    if not all(math.isfinite(v) for v in nums):
        raise InvalidParameter("bbox must be finite numbers", field="bbox")
    if nums[0] > nums[2] or nums[1] > nums[3]:
        raise InvalidParameter("bbox has a minimum greater than its maximum", field="bbox")
    if box_crs.srid == 4490 and not (nums[0] >= -180 and nums[2] <= 180 and nums[1] >= -90):
        raise InvalidParameter("bbox is outside lon/lat range", field="bbox")
    if box_crs.srid != 4490:
        _check_projected(nums, box_crs.srid)
    return nums, box_crs


def _check_projected(box: list[float], srid: int) -> None:
    """A projected bbox must map to finite lon/lat (PostGIS would fail on the transform)."""
    xs, ys = transformer(srid, 4490).transform([box[0], box[2]], [box[1], box[3]])
    if not all(math.isfinite(v) and abs(v) <= 180 for v in (*xs, *ys)):
        raise InvalidParameter(f"bbox is outside the area of EPSG:{srid}", field="bbox")


def _instant(value: str) -> datetime | None:
    if value in ("", ".."):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidParameter(
            f"{value!r} is not an RFC 3339 date-time", field="datetime"
        ) from None


def add_datetime(q: Query, c: Collection, value: str) -> None:
    """Instant or interval (``a/b``, open ends ``..``) on the collection's datetime column."""
    parts = value.split("/")
    if len(parts) > 2:
        raise InvalidParameter("datetime is an instant or an interval a/b", field="datetime")
    start, end = _instant(parts[0]), _instant(parts[-1])
    if start and end and start > end:
        raise InvalidParameter("datetime interval ends before it starts", field="datetime")
    if c.lifespan is not None:  # versioned: the versions valid at that time (or then)
        _lifespan_at(q, c.lifespan, start, end, instant=len(parts) == 1)
        return
    if not c.datetime_column:
        return  # OGC: a collection without time ignores the parameter
    col = f't."{c.datetime_column}"'
    if len(parts) == 1 and start:
        q.add(f"{col} = :dt_at", dt_at=start)
        return
    if start:
        q.add(f"{col} >= :dt_start", dt_start=start)
    if end:
        q.add(f"{col} <= :dt_end", dt_end=end)


def _lifespan_at(
    q: Query,
    lifespan: tuple[str, str],
    start: datetime | None,
    end: datetime | None,
    instant: bool,
) -> None:
    """Versions valid at the instant ``start`` (valid from <= t < valid to), or valid at
    any time in [start, end] (open ends allowed), instead of the current versions."""
    begin_col, end_col = (f't."{col}"' for col in lifespan)
    if instant and start:
        q.lifespan_where = f"{begin_col} <= :dt_at AND ({end_col} IS NULL OR {end_col} > :dt_at)"
        q.params["dt_at"] = start
        return
    conds = []
    if end:
        conds.append(f"{begin_col} <= :dt_end")
        q.params["dt_end"] = end
    if start:
        conds.append(f"({end_col} IS NULL OR {end_col} > :dt_start)")
        q.params["dt_start"] = start
    q.lifespan_where = " AND ".join(conds) or "TRUE"


def _names(value: str) -> list[str]:
    return [name.strip() for name in value.split(",")]


def parse_sortby(c: Collection, value: str) -> tuple[SortKey, ...]:
    """``+land_use,-area_m2``: published property names, ``-`` descending, ``+`` or none ascending.

    An unencoded ``+`` in a URL arrives as a space, hence the strip. Names are returned
    as the collection spells them (its own keys), never as text from the request.
    """
    keys: list[SortKey] = []
    for item in _names(value):
        descending = item.startswith("-")
        name = item[1:].strip() if item[:1] in ("+", "-") else item
        own = next((p for p in c.properties if p == name), None)
        if own is None:
            allowed = list(c.properties)
            raise InvalidParameter(
                f"cannot sort by {name!r}; sortable properties: {', '.join(allowed)}",
                field="sortby",
                property=name,
                allowed=allowed,
            )
        if any(k.name == own for k in keys):
            raise InvalidParameter(f"sortby names {own!r} twice", field="sortby", property=own)
        keys.append(SortKey(own, descending))
    return tuple(keys)


ALWAYS_RETURNED = ("id", "geometry")


def parse_properties(c: Collection, value: str) -> tuple[str, ...]:
    """``unit_code,land_use``: the published properties to return, in the order given.

    The id and the geometry are always returned (naming them is allowed); an empty value
    returns no properties. Names are the collection's own keys, never request text.
    """
    chosen: list[str] = []
    for name in (n for n in _names(value) if n):
        own = next((p for p in c.properties if p == name), None)
        if own is None and name not in ALWAYS_RETURNED:
            allowed = list(c.properties)
            raise InvalidParameter(
                f"unknown property {name!r}; published properties: {', '.join(allowed)}",
                field="properties",
                property=name,
                allowed=allowed,
            )
        if own is not None and own not in chosen:
            chosen.append(own)
    return tuple(chosen)


def build_query(c: Collection, req: ItemsRequest) -> Query:
    """The SQL conditions for an items request (validated; 400 on bad input)."""
    check_limit(req.limit, req.offset)
    q = Query()
    if req.bbox:
        box, box_crs = parse_bbox(req.bbox, req.bbox_crs)
        env = "ST_MakeEnvelope(:bx0, :by0, :bx1, :by1)"
        if box_crs.srid == 4490:
            cond = f'ST_Intersects(t."{c.geometry_column}", ST_SetSRID({env}, 4490))'
        else:
            env = f"ST_Transform(ST_SetSRID({env}, {box_crs.srid}), 4490)"
            cond = f'ST_Intersects(t."{c.geometry_column}", {env})'
        q.add(cond, bx0=box[0], by0=box[1], bx1=box[2], by1=box[3])
        q.envelopes.append(env if box_crs.srid != 4490 else f"ST_SetSRID({env}, 4490)")
    elif req.bbox_crs:
        crs_mod.parse(req.bbox_crs, field="bbox-crs")
    if req.datetime:
        add_datetime(q, c, req.datetime)
    if req.filter:
        fcrs = crs_mod.parse(req.filter_crs, field="filter-crs")
        found = cql.translate(c, req.filter, req.filter_lang, fcrs)
        q.add(found.sql, **found.params)
        q.envelopes += found.envelopes
    if req.property_filter:
        found = cql.translate(c, req.property_filter, "cql2-json", fcrs_default(), "pf")
        q.add(found.sql, **found.params)
        q.envelopes += found.envelopes
    if req.sortby:  # an empty sortby keeps the default order
        q.sort = parse_sortby(c, req.sortby)
    if req.properties is not None:
        q.properties = parse_properties(c, req.properties)
    return q


def fcrs_default() -> crs_mod.OutputCrs:
    return crs_mod.parse(None)
