"""Tables of field packages: what was checked out, every sync, the ledger of field
changes already handled, the conflicts kept with both versions and field observations.

Geometries in EPSG:4490. The checked-out row versions and values are kept here, on the
server, so a forged or edited manifest in an upload cannot change what a row is diffed
against.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gis.db import Base


class FieldPackage(Base):
    """One checked-out area: its owner, role, area and the rows at checkout (``rows``:
    ``{layer: {key: {"version": ..., "values": {...}, "geom": WKT}}}``), advanced as syncs
    apply or resolve rows."""

    __tablename__ = "field_package"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    rows: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    area = mapped_column(Geometry("MULTIPOLYGON", srid=4490, spatial_index=False), nullable=False)


class FieldSync(Base):
    """One check-in of a package: the upload's SHA-256 and the report it produced."""

    __tablename__ = "field_sync"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    package_id: Mapped[str] = mapped_column(ForeignKey("field_package.id"), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    report: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class FieldChange(Base):
    """The ledger: one field change (layer, row key, the version it was made against,
    digest of the field values) and what became of it; a change seen again against the
    same version is not handled twice."""

    __tablename__ = "field_change"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    package_id: Mapped[str] = mapped_column(ForeignKey("field_package.id"))
    layer: Mapped[str] = mapped_column(String(32))
    row_key: Mapped[str] = mapped_column(String(64))
    base_version: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))  # applied | conflict | refused
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    sync_id: Mapped[int] = mapped_column(ForeignKey("field_sync.id"))

    __table_args__ = (
        Index(
            "uq_field_change_seen",
            "package_id",
            "layer",
            "row_key",
            "base_version",
            "digest",
            unique=True,
        ),
    )


class FieldConflict(Base):
    """A field change whose row changed on the server since checkout: both versions kept."""

    __tablename__ = "field_conflict"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    package_id: Mapped[str] = mapped_column(ForeignKey("field_package.id"), index=True)
    layer: Mapped[str] = mapped_column(String(32))
    row_key: Mapped[str] = mapped_column(String(64))
    base_version: Mapped[str] = mapped_column(String(64))
    mine: Mapped[dict[str, Any]] = mapped_column(JSONB)  # {"values", "geometry" GeoJSON}
    theirs: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | mine | theirs
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    result: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class FieldObservation(Base):
    """A point observed in the field (with its photo, if accepted as evidence)."""

    __tablename__ = "field_observation"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    package_id: Mapped[str] = mapped_column(ForeignKey("field_package.id"), index=True)
    row_key: Mapped[str] = mapped_column(String(64))
    observer: Mapped[str] = mapped_column(String(64))
    unit_code: Mapped[str | None] = mapped_column(String(28))
    patch_id: Mapped[int | None] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")
    photo: Mapped[str] = mapped_column(String(300), default="")
    taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    geom = mapped_column(Geometry("POINT", srid=4490, spatial_index=False), nullable=False)
