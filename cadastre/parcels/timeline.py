"""The time slider of the parcel map (``/maps/parcels``): the instants at which the
district's register changed, to replay its edits on the parcel tiles of a past instant
(``?datetime=``, gis.tiles.past).

An instant is a ``begin_lifespan`` or ``end_lifespan`` of a parcel version (a split, a
merge, an edit, a registration); the newest :data:`MAX_INSTANTS` are offered, oldest first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from cadastre.collections import PARCELS
from gis.web.vectorlayers import tile_url

MAX_INSTANTS = 200

# kept by the register's triggers (migration 0057): reading every version took ~10 s at
# 5M parcels
_INSTANTS = text("SELECT t FROM parcel_instant ORDER BY t DESC LIMIT :n")


def edit_instants(session: Session, limit: int = MAX_INSTANTS) -> list[datetime]:
    """The instants the register changed at (the newest ``limit``), oldest first."""
    rows = session.execute(_INSTANTS, {"n": limit}).scalars()
    return sorted(rows)


def slider_config(session: Session) -> dict[str, Any]:
    """The JSON the slider script (``static/timeslider.js``) reads: which overlay it
    replays (by its name on the map), the tile URL, and the instants as RFC 3339 text."""
    return {
        "overlay": "宗地 parcels",
        "url": tile_url(PARCELS.id),
        "instants": [t.isoformat() for t in edit_instants(session)],
    }
