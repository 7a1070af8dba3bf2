"""The catalog of every domain's feature collections (for /ogc, tiles and maps) and the
approval sources of change detection, made once per app (``app.state.catalog``) or CLI
run (its click context); nothing is registered in a module."""

from __future__ import annotations

from cadastre.approvals import SOURCES as CADASTRE_APPROVALS
from cadastre.collections import COLLECTIONS as CADASTRE
from gis.collections import Catalog
from gis.planning.collections import COLLECTIONS as PLANNING
from trading.approvals import SOURCES as TRADING_APPROVALS
from trading.collections import COLLECTIONS as TRADING


def build_catalog() -> Catalog:
    """Planning, cadastre and trading collections (base-map order: bottom-up) and the
    cadastre and trading approval sources."""
    return Catalog([*PLANNING, *CADASTRE, *TRADING], [*CADASTRE_APPROVALS, *TRADING_APPROVALS])
