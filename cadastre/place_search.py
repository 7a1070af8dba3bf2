"""The district map's search box: a unit code (or its beginning), a road name, a town
(镇街, the cadastral zones) or a community (社区, the subzones); each hit carries the
lon/lat bounds (EPSG:4490) the map zooms to. Public data only."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.orm import Session

MAX_HITS = 10
MIN_LENGTH = 1
MAX_LENGTH = 64
CODE_LIKE = re.compile(r"[0-9A-Za-z]+")

# one SELECT per kind: (kind, Chinese, English, SQL) with :q (pattern) and :n (limit)
QUERIES = [
    (
        "parcel",
        "宗地",
        "parcel",
        "SELECT unit_code AS label, ST_Extent(geom) AS box FROM parcel "
        "WHERE end_lifespan IS NULL AND unit_code LIKE :prefix GROUP BY unit_code "
        "ORDER BY unit_code LIMIT :n",
    ),
    (
        "town",
        "镇街",
        "town",
        "SELECT name AS label, ST_Extent(geom) AS box FROM cadastral_zone "
        "WHERE name LIKE :q GROUP BY name ORDER BY name LIMIT :n",
    ),
    (
        "community",
        "社区",
        "community",
        "SELECT name AS label, ST_Extent(geom) AS box FROM cadastral_subzone "
        "WHERE name LIKE :q GROUP BY name ORDER BY name LIMIT :n",
    ),
    (
        "road",
        "道路",
        "road",
        "SELECT name AS label, ST_Extent(geom) AS box FROM road "
        "WHERE name LIKE :q GROUP BY name ORDER BY length(name), name LIMIT :n",
    ),
]


class PlaceHit(BaseModel):
    """One search result: what it is, its name or code, and its bounds [w, s, e, n]."""

    kind: str
    kind_zh: str
    kind_en: str
    label: str
    bbox: list[float]


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(session: Session, query: str) -> list[dict[str, Any]]:
    """Places whose name contains ``query`` or parcels whose unit code starts with it
    (digits and letters only), at most MAX_HITS, parcels first when it looks like a code."""
    q = query.strip()[:MAX_LENGTH]
    if len(q) < MIN_LENGTH:
        return []
    params = {"q": f"%{_like(q)}%", "prefix": f"{_like(q.upper())}%", "n": MAX_HITS}
    hits: list[dict[str, Any]] = []
    for kind, zh, en, sql in QUERIES:
        if kind == "parcel" and not CODE_LIKE.fullmatch(q):
            continue
        wrapped = (
            f"SELECT label, ST_XMin(box), ST_YMin(box), ST_XMax(box), ST_YMax(box) FROM ({sql}) s"  # noqa: E501
        )
        for row in session.execute(text(wrapped), params):
            box = [round(float(v), 7) for v in row[1:]]
            hits.append({"kind": kind, "kind_zh": zh, "kind_en": en, "label": row[0], "bbox": box})
    return hits[:MAX_HITS]
