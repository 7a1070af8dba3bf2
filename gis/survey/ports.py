"""What surveys need from the register, as a small interface (a port).

gis imports neither cadastre nor trading, so it does not read their tables: it says here
what it needs, cadastre implements it (``cadastre.survey_port``) and the composition root
(``landgis``) hands the implementation in: to the API through ``app.state.parcel_lookup``
(read by :func:`parcel_lookup`), to the CLI through ``gis.survey.cli.build_app``. A column
renamed in cadastre then breaks the type check of that implementation, not a page.

Geometries crossing this port are shapely geometries in EPSG:4490 (lon/lat degrees).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, runtime_checkable

from fastapi import Request
from shapely import Geometry
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class RegisteredParcel:
    """A current parcel of the register as surveys see it: public attributes only."""

    id: int
    uid: int
    unit_code: str
    land_use: str
    area_m2: Decimal
    geometry: Geometry  # EPSG:4490


@dataclass(frozen=True)
class Extent:
    """A lon/lat box in EPSG:4490 degrees."""

    west: float
    south: float
    east: float
    north: float


@runtime_checkable
class ParcelLookup(Protocol):
    """The register, as far as surveys need it."""

    def parcel_by_unit_code(self, session: Session, unit_code: str) -> RegisteredParcel | None:
        """The current parcel with this unit code (不动产单元号), or None."""

    def parcel_overlapping(self, session: Session, area: Geometry) -> RegisteredParcel | None:
        """The current parcel that ``area`` (EPSG:4490) overlaps most, or None."""

    def parcels_near(
        self, session: Session, area: Geometry, distance_m: float, limit: int
    ) -> list[RegisteredParcel]:
        """Current parcels within ``distance_m`` metres of ``area`` (EPSG:4490), nearest first."""

    def district_extent(self, session: Session) -> Extent | None:
        """The box around the district's cadastral zones, or None for an empty register."""


class PortNotWired(RuntimeError):
    """The composition root did not hand in an implementation (a wiring mistake)."""


def parcel_lookup(request: Request) -> ParcelLookup:
    """FastAPI dependency: the ParcelLookup the app was built with (``app.state``)."""
    lookup = getattr(request.app.state, "parcel_lookup", None)
    if not isinstance(lookup, ParcelLookup):
        raise PortNotWired("app.state.parcel_lookup is not set: see landgis.app.create_app")
    return lookup
