"""Roads of the district (centre lines in EPSG:4490)."""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from gis.db import Base

ROAD_CLASSES = {"main": ("主干路", "main road"), "secondary": ("次干路", "secondary road")}


class Road(Base):
    """A named road centre line with its class and width in metres."""

    __tablename__ = "road"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    road_class: Mapped[str] = mapped_column(String(16))
    width_m: Mapped[float] = mapped_column(Numeric(6, 1))
    geom = mapped_column(Geometry("LINESTRING", srid=4490, spatial_index=True), nullable=False)


WATER_KINDS = {"river": ("河流", "river"), "lake": ("湖泊", "lake")}


class Water(Base):
    """A named water body (a river's surface, a lake) as polygons in EPSG:4490."""

    __tablename__ = "water"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4490, spatial_index=True), nullable=False)
