"""Tables of the raster catalogue and of change detection (geometries in EPSG:4490).

``raster``: one catalogued COG with its footprint and metadata. ``change_run``: one
comparison of two rasters. ``change_patch``: one changed patch found by a run, with its
enforcement verdict and the inspector's field-check status.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gis.db import Base

FIELD_STATUSES: dict[str, tuple[str, str]] = {
    "pending": ("待核查", "pending field check"),
    "confirmed": ("已确认违法", "confirmed by field check"),
    "dismissed": ("已排除", "dismissed by field check"),
}
VERDICTS: dict[str, tuple[str, str]] = {
    "approved": ("有审批依据", "explained by an approval"),
    "suspected_illegal": ("疑似违法用地", "suspected illegal land use"),
}


class Raster(Base):
    """One catalogued raster: a validated COG under ``files_dir/rasters``."""

    __tablename__ = "raster"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(String(300))  # relative to files_dir
    source_name: Mapped[str] = mapped_column(String(300), default="")
    driver: Mapped[str] = mapped_column(String(32))
    sensor: Mapped[str] = mapped_column(String(64), default="")
    acquired_on: Mapped[date | None] = mapped_column(Date)
    crs: Mapped[str] = mapped_column(Text)
    epsg: Mapped[int | None] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    band_count: Mapped[int] = mapped_column(Integer)
    dtype: Mapped[str] = mapped_column(String(16))
    res_x: Mapped[float] = mapped_column(Float)
    res_y: Mapped[float] = mapped_column(Float)
    nodata: Mapped[float | None] = mapped_column(Float)
    bands: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    native_bbox: Mapped[list[float]] = mapped_column(JSONB)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    footprint = mapped_column(Geometry("POLYGON", srid=4490, spatial_index=False), nullable=False)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ChangeRun(Base):
    """One change detection between raster ``before_id`` and raster ``after_id``."""

    __tablename__ = "change_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    before_id: Mapped[int] = mapped_column(ForeignKey("raster.id", ondelete="CASCADE"))
    after_id: Mapped[int] = mapped_column(ForeignKey("raster.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(32))
    threshold: Mapped[float] = mapped_column(Float)
    min_area_m2: Mapped[float] = mapped_column(Float)
    grid: Mapped[dict[str, Any]] = mapped_column(JSONB)
    patch_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ChangePatch(Base):
    """变化图斑: one changed patch with its overlay results and field-check status."""

    __tablename__ = "change_patch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("change_run.id", ondelete="CASCADE"))
    area_m2: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    mean_change: Mapped[float] = mapped_column(Float)
    direction: Mapped[str] = mapped_column(String(16))
    zones: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    parcels: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    in_farmland: Mapped[bool] = mapped_column(default=False)
    approved_ratio: Mapped[float] = mapped_column(Float, default=0.0)
    verdict: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    note: Mapped[str] = mapped_column(Text, default="")
    photo: Mapped[str] = mapped_column(String(300), default="")
    checked_by: Mapped[str] = mapped_column(String(64), default="")
    checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4490, spatial_index=False), nullable=False)
