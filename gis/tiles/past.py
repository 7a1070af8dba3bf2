"""Tiles of a past instant (``?datetime=``): versioned layers drawn as they were valid then.

A versioned collection (``Collection.lifespan``) keeps every version of its features; at
an instant *t* its tile draws the versions with ``valid from <= t < valid to`` (valid to
NULL: still current), the same rule as ``datetime`` on its OGC API Features items.
Layers without a lifespan (e.g. the parcels' generalised overviews, which only know the
present) are left out of a past tile, so a past tile never mixes two dates.

The instant is part of the tileset id (``parcels@20250101T000000.000000Z``), so the cache
keeps each instant's tiles apart; the instant itself reaches the SQL as the bound
parameter ``:at`` (:attr:`Tileset.at`). Only instants are accepted (OGC API Tiles'
DateTime class also allows intervals, so its conformance is not declared: a tile "valid
at any time in" an interval would draw overlapping versions).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from gis.collections import Collection
from gis.errors import InvalidInput
from gis.tiles.tilesets import Tileset


class InvalidInstant(InvalidInput):
    """``datetime`` on a tile is not one RFC 3339 instant."""


def parse_instant(value: str) -> datetime:
    """An RFC 3339 date-time (a date alone means its midnight UTC), as an aware UTC time."""
    text = value.strip()
    if "/" in text or text in ("", ".."):
        raise InvalidInstant(
            "瓦片的 datetime 只接受一个时刻；tiles take one instant (RFC 3339), not an interval",
            field="datetime",
        )
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInstant(
            f"datetime 不是 RFC 3339 时刻；{text[:40]!r} is not an RFC 3339 date-time",
            field="datetime",
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        return when.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:00:00-05:00
        raise InvalidInstant(
            f"datetime 超出范围；{text[:40]!r} is out of range", field="datetime"
        ) from None


def _as_of(c: Collection) -> Collection:
    """The collection drawn at the instant ``:at`` instead of its current features."""
    assert c.lifespan is not None
    begin, end = (f'"{col}"' for col in c.lifespan)
    where = f"{begin} <= :at AND ({end} IS NULL OR {end} > :at)"
    return dataclasses.replace(c, where=where)


def at_instant(tileset: Tileset, value: str | None) -> Tileset:
    """The tileset as of ``value`` (an RFC 3339 instant), or unchanged when ``value`` is
    None or no layer is versioned (OGC: a collection without time ignores ``datetime``)."""
    if value is None or not any(c.lifespan for c in tileset.layers):
        return tileset
    when = parse_instant(value)
    layers = tuple(_as_of(c) for c in tileset.layers if c.lifespan is not None)
    stamp = when.strftime("%Y%m%dT%H%M%S.%fZ")
    return Tileset(
        id=f"{tileset.id}@{stamp}",
        title=f"{tileset.title} @ {when.isoformat()}",
        layers=layers,
        at=when,
    )
