"""Cadastral geography: zones, subzones, street blocks and parcels (LADM spatial units).

Geometries are stored in EPSG:4490; areas are square metres computed in EPSG:4547.
A parcel row is one *version*: ``uid`` names the parcel across versions, a change
closes the current row (``end_lifespan``) and opens a new one.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    String,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from gis.db import Base


class CadastralZone(Base):
    """地籍区: a cadastral zone, 9-character code (county + 3 digits)."""

    __tablename__ = "cadastral_zone"

    code: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4490, spatial_index=True), nullable=False)


class CadastralSubzone(Base):
    """地籍子区: a cadastral subzone, 12-character code."""

    __tablename__ = "cadastral_subzone"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    zone_code: Mapped[str] = mapped_column(ForeignKey("cadastral_zone.code"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4490, spatial_index=True), nullable=False)


class StreetBlock(Base):
    """街坊: a block bounded by roads; parcels inside one block must leave no gaps."""

    __tablename__ = "street_block"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    subzone_code: Mapped[str] = mapped_column(ForeignKey("cadastral_subzone.code"), index=True)
    geom = mapped_column(Geometry("POLYGON", srid=4490, spatial_index=True), nullable=False)


class Parcel(Base):
    """宗地: one version of a parcel (spatial unit) with its unit code.

    Partitioned by cadastral zone (RANGE over ``subzone_code``, migration 0050): the
    database's primary key is ``(id, subzone_code)``; ``id`` alone is unique (one sequence).
    """

    __tablename__ = "parcel"

    id: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, server_default=text("nextval('parcel_id_seq')")
    )
    uid: Mapped[int] = mapped_column(BigInteger, server_default=text("nextval('parcel_uid_seq')"))
    version: Mapped[int] = mapped_column(default=1)
    unit_code: Mapped[str] = mapped_column(String(28))
    parcel_code: Mapped[str] = mapped_column(String(19))
    subzone_code: Mapped[str] = mapped_column(ForeignKey("cadastral_subzone.code"))
    block_code: Mapped[str | None] = mapped_column(String(20))
    land_use: Mapped[str] = mapped_column(String(4))
    area_m2: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    reg_status: Mapped[str] = mapped_column(String(16), default="registered")
    ref_point = mapped_column(Geometry("POINT", srid=4490, spatial_index=False), nullable=False)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4490, spatial_index=False), nullable=False)
    # geom in Web Mercator, kept by the database (migration 0062): what the tiles draw
    geom_3857 = mapped_column(
        Geometry("MULTIPOLYGON", srid=3857, spatial_index=False),
        Computed("ST_Transform(geom, 3857)", persisted=True),
        deferred=True,
    )
    begin_lifespan: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    end_lifespan: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_parcel_geom_all", "geom", postgresql_using="gist"),
        Index(  # unique per zone partition = unique: the subzone is the unit code's prefix
            "uq_parcel_unit_code_current",
            "unit_code",
            "subzone_code",
            unique=True,
            postgresql_where=text("end_lifespan IS NULL"),
        ),
        Index("ix_parcel_uid_version", "uid", "version", "subzone_code", unique=True),
        Index("ix_parcel_subzone", "subzone_code"),
        Index("ix_parcel_land_use", "land_use", "unit_code"),  # CQL2 pages in unit-code order
    )
