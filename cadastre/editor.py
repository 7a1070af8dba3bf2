"""ParcelEditor: OGC API Features Part 4 writes on parcels, through the cadastre's rules.

Implements :class:`gis.collections.CollectionEditor`. The feature id (``fid``) is the
28-character unit code. Every method runs :mod:`cadastre.parcels.service` (topology
checks in PostGIS, row locks, If-Match ETags, new versions) and commits or rolls back.

- ``create``: a new parcel; properties ``subzone_code``, ``land_use`` and optionally
  ``ownership`` (G), ``right_type`` (B); returns its new unit code.
- ``replace``: a new version with the same unit code carrying the feature's geometry
  and ``land_use`` (a correction); ``update`` does the same with only the given members.
- ``delete``: retires the parcel (注销); its code is never reused.
- ``etag``: the quoted ETag of the current version (the one ``GET`` returns).

Only a caller (``actor``, a :class:`gis.auth.service.Principal`) with role registrar or
admin may edit; anyone else gets PermissionDenied (403).
``etag`` arguments may be quoted or not, or a comma-separated If-Match list;
``None`` raises PreconditionRequired (428). Geometries are GeoJSON in EPSG:4490.
"""

from __future__ import annotations

from typing import Any

from cadastre.parcels import service
from gis.errors import InvalidInput, NotFound, PermissionDenied

EDIT_ROLES = frozenset({"registrar", "admin"})


def _actor(actor: Any) -> str:
    """The editing user's name; only registrars and admins edit the register."""
    role = str(getattr(actor, "role", "") or "")
    if role not in EDIT_ROLES:
        raise PermissionDenied(
            f"role {role or 'none'!r} may not edit parcels; needs admin or registrar"
        )
    return str(actor.username)


def _tags(etag: str | None) -> list[str]:
    return service.parse_if_match(etag)


def _props(feature: dict[str, Any], field: str = "feature") -> dict[str, Any]:
    if not isinstance(feature, dict):
        raise InvalidInput("a GeoJSON Feature object is required", field=field)
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        raise InvalidInput("properties must be an object", field="properties")
    return props


class ParcelEditor:
    """The parcel collection's editor for /ogc (CollectionEditor protocol)."""

    def create(self, session: Any, feature: dict[str, Any], actor: Any) -> str:
        who = _actor(actor)
        props = _props(feature)
        for name in ("subzone_code", "land_use"):
            if not props.get(name):
                raise InvalidInput(f"property {name} is required", field=f"properties.{name}")
        result = service.create(
            session,
            geometry=feature.get("geometry"),  # type: ignore[arg-type]
            subzone_code=str(props["subzone_code"]),
            land_use=str(props["land_use"]),
            ownership=str(props.get("ownership", "G")),
            right_type=str(props.get("right_type", "B")),
            actor=who,
        )
        return result.opened[0].unit_code

    def replace(
        self, session: Any, fid: str, feature: dict[str, Any], etag: str | None, actor: Any
    ) -> str:
        who = _actor(actor)
        props = _props(feature)
        if feature.get("geometry") is None:
            raise InvalidInput("a replacement needs a geometry", field="geometry")
        if not props.get("land_use"):
            raise InvalidInput("property land_use is required", field="properties.land_use")
        result = service.change(
            session,
            fid,
            if_match=_tags(etag),
            actor=who,
            land_use=str(props["land_use"]),
            geometry=feature["geometry"],
        )
        return result.opened[0].unit_code

    def update(
        self, session: Any, fid: str, patch: dict[str, Any], etag: str | None, actor: Any
    ) -> str:
        who = _actor(actor)
        props = _props(patch, "patch")
        unknown = set(props) - {"land_use"}
        if unknown:
            name = sorted(unknown)[0]
            raise InvalidInput(
                f"property {name} cannot be changed here (only land_use and geometry)",
                field=f"properties.{name}",
            )
        result = service.change(
            session,
            fid,
            if_match=_tags(etag),
            actor=who,
            land_use=props.get("land_use"),
            geometry=patch.get("geometry"),
        )
        return result.opened[0].unit_code

    def delete(self, session: Any, fid: str, etag: str | None, actor: Any) -> None:
        service.retire(session, fid, if_match=_tags(etag), actor=_actor(actor))

    def etag(self, session: Any, fid: str) -> str:
        row = service.get(session, fid)
        if row.end_lifespan is not None:
            raise NotFound(f"parcel {fid} is retired", field="featureId")
        return row.quoted_etag


PARCEL_EDITOR = ParcelEditor()
