"""Feature collections this package offers to the OGC APIs, tiles and maps."""

from __future__ import annotations

from gis.collections import Collection

COLLECTIONS: list[Collection] = []
