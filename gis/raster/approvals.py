"""Approval sources: the domain tables that can explain a changed patch.

gis imports no domain, so each domain that holds approved land (registered parcels in
cadastre, land-supply records in trading) describes it as an :class:`ApprovalSource`,
and the composition root puts them in the app's :class:`gis.collections.Catalog`
(``landgis/collections.py``); change detection is given them.

A source's ``sql`` is a SELECT (written in code, never from users) returning the
columns ``ref`` (text: unit code, record number), ``label`` (text: land use, title),
``approved`` (boolean: does this row approve construction on its land) and ``geom``
(EPSG:4490). Rows with ``approved`` false are still reported as parcels a patch touches.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ApprovalSource:
    """Approved (or merely recorded) land from one domain table."""

    name: str
    title_zh: str
    title_en: str
    sql: str
