"""Tables of 批后监管 (migration ``0033_trading_monitoring``): each scene's observation of a
sold parcel and the findings handed to inspectors (geometries in EPSG:4490)."""

from __future__ import annotations

from datetime import date, datetime

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger, Date, DateTime, Float, ForeignKey, Identity, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from gis.db import Base


class Observation(Base):
    """One scene over one sold parcel: built-up share against the reference scene."""

    __tablename__ = "trading_monitor_observation"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("trading_record.id", ondelete="CASCADE"))
    unit_code: Mapped[str] = mapped_column(String(28))
    raster_id: Mapped[int] = mapped_column(ForeignKey("raster.id", ondelete="CASCADE"))
    reference_raster_id: Mapped[int] = mapped_column(ForeignKey("raster.id", ondelete="CASCADE"))
    acquired_on: Mapped[date] = mapped_column(Date)
    built_share: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))
    footprint = mapped_column(Geometry("MULTIPOLYGON", srid=4490, spatial_index=False))
    observed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class Finding(Base):
    """疑似闲置土地 or construction before the contract: the inspector's case."""

    __tablename__ = "trading_monitor_finding"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_no: Mapped[str] = mapped_column(String(24), unique=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("trading_record.id", ondelete="CASCADE"))
    unit_code: Mapped[str] = mapped_column(String(28))
    kind: Mapped[str] = mapped_column(String(24))
    raster_id: Mapped[int | None] = mapped_column(ForeignKey("raster.id", ondelete="SET NULL"))
    acquired_on: Mapped[date] = mapped_column(Date)
    built_share: Mapped[float] = mapped_column(Float)
    detail: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
