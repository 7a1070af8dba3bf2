"""Tables of parcel editing: per-subzone sequence counters and the lineage of each edit.

``unit_code_counter`` holds the last parcel sequence number handed out in a cadastral
subzone; it is locked row by row (``UPDATE ... RETURNING``) so that concurrent
registrars get gap-free, unique numbers, and a rolled-back edit gives its number back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from gis.db import Base


class UnitCodeCounter(Base):
    """The last parcel sequence number used in one subzone (retired numbers included)."""

    __tablename__ = "unit_code_counter"

    subzone_code: Mapped[str] = mapped_column(
        ForeignKey("cadastral_subzone.code"), primary_key=True
    )
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class ParcelEdit(Base):
    """One edit of the register's geometry (split, merge, adjust, create, change, retire)."""

    __tablename__ = "parcel_edit"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    operation: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ParcelLineage(Base):
    """Which parcel versions an edit closed (parent) and opened (child)."""

    __tablename__ = "parcel_lineage"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    edit_id: Mapped[int] = mapped_column(ForeignKey("parcel_edit.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    child_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    # the versions' subzones, filled by a trigger: with the ids they are the foreign keys to
    # the zone-partitioned parcel table (migration 0050)
    parent_subzone: Mapped[str | None] = mapped_column(String(12))
    child_subzone: Mapped[str | None] = mapped_column(String(12))

    __table_args__ = (
        ForeignKeyConstraint(
            ["parent_id", "parent_subzone"], ["parcel.id", "parcel.subzone_code"], match="FULL"
        ),
        ForeignKeyConstraint(
            ["child_id", "child_subzone"], ["parcel.id", "parcel.subzone_code"], match="FULL"
        ),
    )
