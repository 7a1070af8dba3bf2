"""Register every domain's feature collections (for /ogc, tiles and maps)."""

from __future__ import annotations

from cadastre.approvals import SOURCES as CADASTRE_APPROVALS
from cadastre.collections import COLLECTIONS as CADASTRE
from gis import collections
from gis.planning.collections import COLLECTIONS as PLANNING
from gis.raster import approvals as raster_approvals
from trading.approvals import SOURCES as TRADING_APPROVALS
from trading.collections import COLLECTIONS as TRADING


def register_all() -> None:
    collections.register([*PLANNING, *CADASTRE, *TRADING])
    raster_approvals.register([*CADASTRE_APPROVALS, *TRADING_APPROVALS])
