"""The registry of approval sources that can explain a changed patch.

gis imports no domain, so each domain that holds approved land (registered parcels in
cadastre, land-supply records in trading) describes it as an :class:`ApprovalSource`,
and the composition root registers them (``landgis/collections.py``).

A source's ``sql`` is a SELECT (written in code, never from users) returning the
columns ``ref`` (text: unit code, record number), ``label`` (text: land use, title),
``approved`` (boolean: does this row approve construction on its land) and ``geom``
(EPSG:4490). Rows with ``approved`` false are still reported as parcels a patch touches.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ApprovalSource:
    """Approved (or merely recorded) land from one domain table."""

    name: str
    title_zh: str
    title_en: str
    sql: str


_SOURCES: dict[str, ApprovalSource] = {}


def register(sources: Iterable[ApprovalSource]) -> None:
    """Add (or replace) approval sources by name."""
    for source in sources:
        _SOURCES[source.name] = source


def all_sources() -> list[ApprovalSource]:
    return list(_SOURCES.values())
