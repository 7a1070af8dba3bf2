"""Plan editions and their zones, stored in EPSG:4490.

A plan has editions; one edition per plan type is in force at a time and older
editions stay queryable.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Identity, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gis.db import Base

LAYERS: dict[str, tuple[str, str]] = {
    "zoning": ("土地用途分区", "land-use zoning"),
    "farmland": ("永久基本农田保护区", "basic-farmland protection area"),
    "development_boundary": ("城镇开发边界", "urban development boundary"),
    "ecological_redline": ("生态保护红线", "ecological protection red line"),
}


class PlanEdition(Base):
    """One approved edition of the land-use plan."""

    __tablename__ = "plan_edition"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    approved_on: Mapped[date] = mapped_column(Date)
    document: Mapped[str] = mapped_column(String(300), default="")  # approval number (文号)
    in_force: Mapped[bool] = mapped_column(default=False)
    approval_authority: Mapped[str] = mapped_column(String(200), default="")  # 批准机关
    approval_file_name: Mapped[str | None] = mapped_column(String(200))
    approval_file_sha256: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index(
            "uq_plan_edition_in_force", "in_force", unique=True, postgresql_where=text("in_force")
        ),
    )


class PlanZone(Base):
    """A zone of one layer of a plan edition (``code`` is a GB/T 21010 class for zoning)."""

    __tablename__ = "plan_zone"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("plan_edition.id", ondelete="CASCADE"))
    layer: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(16), default="")
    name: Mapped[str] = mapped_column(String(200), default="")
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4490, spatial_index=True), nullable=False)

    __table_args__ = (Index("ix_plan_zone_edition_layer", "edition_id", "layer"),)


class PlanActivation(Base):
    """The journal of activations: which edition replaced which, who, why, on what approval."""

    __tablename__ = "plan_activation"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("plan_edition.id", ondelete="CASCADE"))
    previous_edition_id: Mapped[int | None] = mapped_column()
    actor_id: Mapped[int | None] = mapped_column()
    actor_name: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    approval: Mapped[dict[str, Any]] = mapped_column(JSONB)
    zones: Mapped[dict[str, int]] = mapped_column(JSONB)
    activated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()")
    )

    __table_args__ = (Index("ix_plan_activation_edition_id", "edition_id"),)
