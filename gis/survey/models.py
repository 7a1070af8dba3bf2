"""Tables of this package (filled in by its issue)."""

from gis.db import Base

__all__ = ["Base"]
