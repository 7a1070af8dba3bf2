"""The register as surveys need it: cadastre's implementation of gis.survey.ports.ParcelLookup.

Queries are written against the ORM columns of :class:`cadastre.models.Parcel` and
:class:`cadastre.models.CadastralZone`, so renaming a column breaks the type check here
(mypy), not a survey page at run time. Geometries in and out are EPSG:4490; distances
are metres on the spheroid (PostGIS geography).
"""

from __future__ import annotations

from typing import Any

import shapely
from geoalchemy2 import Geography
from geoalchemy2.functions import (
    ST_Area,
    ST_AsBinary,
    ST_Distance,
    ST_DWithin,
    ST_Extent,
    ST_GeomFromWKB,
    ST_Intersection,
    ST_Intersects,
    ST_XMax,
    ST_XMin,
    ST_YMax,
    ST_YMin,
)
from shapely import Geometry
from sqlalchemy import Select, cast, select
from sqlalchemy.orm import Session

from cadastre.models import CadastralZone, Parcel
from gis.survey.ports import Extent, RegisteredParcel

GEOGRAPHY = Geography(srid=4490)


class CadastreParcelLookup:
    """Current parcels (``end_lifespan IS NULL``) and the extent of the cadastral zones."""

    def parcel_by_unit_code(self, session: Session, unit_code: str) -> RegisteredParcel | None:
        row = session.execute(_current().where(Parcel.unit_code == unit_code)).first()
        return _parcel(row) if row else None

    def parcel_overlapping(self, session: Session, area: Geometry) -> RegisteredParcel | None:
        shape = _wkb(area)
        query = (
            _current()
            .where(ST_Intersects(Parcel.geom, shape))
            .order_by(ST_Area(ST_Intersection(Parcel.geom, shape)).desc())
            .limit(1)
        )
        row = session.execute(query).first()
        return _parcel(row) if row else None

    def parcels_near(
        self, session: Session, area: Geometry, distance_m: float, limit: int
    ) -> list[RegisteredParcel]:
        shape = _wkb(area)
        near = ST_DWithin(cast(Parcel.geom, GEOGRAPHY), cast(shape, GEOGRAPHY), float(distance_m))
        query = (
            _current()
            .where(near)
            .order_by(ST_Distance(cast(Parcel.geom, GEOGRAPHY), cast(shape, GEOGRAPHY)))
            .limit(limit)
        )
        return [_parcel(row) for row in session.execute(query)]

    def district_extent(self, session: Session) -> Extent | None:
        box = select(ST_Extent(CadastralZone.geom).label("box")).subquery()
        row = session.execute(
            select(ST_XMin(box.c.box), ST_YMin(box.c.box), ST_XMax(box.c.box), ST_YMax(box.c.box))
        ).one()
        if row[0] is None:
            return None
        return Extent(float(row[0]), float(row[1]), float(row[2]), float(row[3]))


def _current() -> Select[Any]:
    return select(
        Parcel.id,
        Parcel.uid,
        Parcel.unit_code,
        Parcel.land_use,
        Parcel.area_m2,
        ST_AsBinary(Parcel.geom).label("wkb"),
    ).where(Parcel.end_lifespan.is_(None))


def _wkb(area: Geometry) -> Any:
    return ST_GeomFromWKB(shapely.to_wkb(area), 4490)


def _parcel(row: Any) -> RegisteredParcel:
    return RegisteredParcel(
        id=int(row.id),
        uid=int(row.uid),
        unit_code=str(row.unit_code),
        land_use=str(row.land_use),
        area_m2=row.area_m2,
        geometry=shapely.from_wkb(bytes(row.wkb)),
    )
