"""Survey tables: the survey record, its points (boundary, waypoint, track) and its tracks.

Geometries in EPSG:4490; the original file is kept in the store (``gis.store``) by SHA-256.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Integer, Numeric, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gis.db import Base


class Survey(Base):
    """测量成果: one uploaded survey file and what was read from it."""

    __tablename__ = "survey"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    surveyor: Mapped[str] = mapped_column(String(100))
    instrument: Mapped[str] = mapped_column(String(100), default="")
    survey_date: Mapped[date | None] = mapped_column(Date)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    source_format: Mapped[str] = mapped_column(String(16))
    source_srid: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(255))
    file_path: Mapped[str] = mapped_column(String(500))  # its key in the store
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    unit_code: Mapped[str | None] = mapped_column(String(28))
    summary: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    boundary = mapped_column(Geometry("POLYGON", srid=4490, spatial_index=False))


class SurveyPoint(Base):
    """A surveyed point: boundary point (界址点), waypoint or track point."""

    __tablename__ = "survey_point"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(64))
    track_seq: Mapped[int | None] = mapped_column(Integer)
    elevation_m: Mapped[float | None]
    observed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    fix_quality: Mapped[int | None] = mapped_column(Integer)
    satellites: Mapped[int | None] = mapped_column(Integer)
    hdop: Mapped[float | None]
    pdop: Mapped[float | None]
    precision_m: Mapped[Decimal | None] = mapped_column(Numeric(8, 4))
    precision_source: Mapped[str | None] = mapped_column(String(16))  # reported|hdop|pdop
    declared_class: Mapped[int | None] = mapped_column(Integer)
    accuracy_class: Mapped[int | None] = mapped_column(Integer)
    flag: Mapped[str | None] = mapped_column(String(200))
    geom = mapped_column(Geometry("POINT", srid=4490, spatial_index=False), nullable=False)


class SurveyTrack(Base):
    """A GPS track or route as a line (its points, with time and elevation, are SurveyPoints)."""

    __tablename__ = "survey_track"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(100))
    geom = mapped_column(Geometry("LINESTRING", srid=4490, spatial_index=False), nullable=False)
